// The outbox: each change records the domain event that announces it in the same statement or
// transaction, so the event exists exactly when the change does. The relay publishes the rows
// (outbox-relay.ts).
import type { OutboxEvent } from '@feed/contracts';
import type { Queryable } from './pool.ts';

/** Call inside the transaction that makes the change, so the event exists iff the change does. */
export async function enqueue(tx: Queryable, event: OutboxEvent): Promise<void> {
  await tx.query('INSERT INTO outbox (event_type, payload) VALUES ($1, $2)', [event.type, event]);
}

/**
 * A new post and its `post.created` outbox row. The post's id and creation time are reserved
 * first (the identity sequence, and the database's clock, the one follows are stamped with and
 * the fan-out compares them against, to the microsecond), so the event is whole, the contract's
 * type, before anything is written. Then one statement inserts the post and its outbox row: no
 * transaction left open between statements while commits queue on the outbox NOTIFY (under
 * load, BEGIN/INSERT/INSERT/COMMIT keeps pool connections idle in transaction). Give it one
 * connection for both statements (`onOneConnection`), so the insert does not wait for the pool.
 */
export async function createAnnouncedPost(db: Queryable, authorId: string, text: string): Promise<{ id: string; createdAt: string }> {
  const { rows } = await db.query<{ id: string; created_at: string }>(
    `SELECT nextval(pg_get_serial_sequence('posts', 'id'))::text AS id,
            to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at`,
  );
  const reserved = rows[0]!;
  const event: Extract<OutboxEvent, { type: 'post.created' }> = { type: 'post.created', postId: reserved.id, authorId, text, createdAt: reserved.created_at };
  await db.query(
    `WITH post AS (
       INSERT INTO posts (id, author_id, text, created_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4)
     )
     INSERT INTO outbox (event_type, payload) VALUES ($5, $6)`,
    [event.postId, authorId, text, event.createdAt, event.type, event],
  );
  return { id: event.postId, createdAt: event.createdAt };
}
