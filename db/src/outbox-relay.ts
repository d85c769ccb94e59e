// The relay's side of the outbox: claim the oldest pending rows, mark them published.
import type { Queryable } from './pool.ts';

export interface OutboxRow {
  id: string;
  event_type: string;
  payload: unknown;
}

/** Any key unique to the relay: only the holder of this lock publishes, so order is kept. */
const RELAY_LOCK = 0x0f_ee_d0_01;

/** Inside a transaction: true when this relay may publish now (released at commit). */
export async function tryTakeRelayLock(tx: Queryable): Promise<boolean> {
  const { rows } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [RELAY_LOCK]);
  return rows[0]?.ok === true;
}

/**
 * The oldest pending rows, in id order. The order is by the column (`outbox.id`), not by the
 * text alias `id` of the select list, which an unqualified ORDER BY id would sort as text
 * ('10' before '9'): a batch crossing a power of ten would publish an author's posts out of order.
 */
export async function pending(tx: Queryable, limit: number): Promise<OutboxRow[]> {
  const { rows } = await tx.query<OutboxRow>(
    `SELECT id::text AS id, event_type, payload FROM outbox
      WHERE published_at IS NULL ORDER BY outbox.id LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function markPublished(tx: Queryable, ids: readonly string[]): Promise<void> {
  await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** Published rows are kept a while for inspection, then removed. */
export async function prunePublished(db: Queryable, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  return rowCount ?? 0;
}
