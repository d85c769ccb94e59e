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
 * A new post and its `post.created` outbox row in one statement: one round trip, and no
 * transaction left open between statements while commits queue on the outbox NOTIFY (under
 * load, BEGIN/INSERT/INSERT/COMMIT keeps pool connections idle in transaction). The event is
 * the contract's type, built here; the statement adds the two fields only the new row knows:
 * its id and its creation time (the database's clock, the one follows are stamped with, which
 * the fan-out compares them against).
 */
export async function createAnnouncedPost(db: Queryable, authorId: string, text: string): Promise<{ id: string; createdAt: string }> {
  const event: Omit<Extract<OutboxEvent, { type: 'post.created' }>, 'postId' | 'createdAt'> = { type: 'post.created', authorId, text };
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `WITH post AS (
       INSERT INTO posts (author_id, text) VALUES ($1, $2) RETURNING id, created_at
     ), announced AS (
       INSERT INTO outbox (event_type, payload)
       SELECT $3, $4::jsonb || jsonb_build_object('postId', id::text,
         'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
       FROM post
     )
     SELECT id::text AS id, created_at FROM post`,
    [authorId, text, event.type, JSON.stringify(event)],
  );
  const row = rows[0]!;
  return { id: row.id, createdAt: row.created_at.toISOString() };
}
