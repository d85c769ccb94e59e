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
 * first (the identity sequence and the database's clock, the one follows are stamped with and
 * the fan-out compares them against), so the event is whole, the contract's type, before
 * anything is written. Then one statement inserts the post and its outbox row: no transaction
 * left open between statements while commits queue on the outbox NOTIFY (under load,
 * BEGIN/INSERT/INSERT/COMMIT keeps pool connections idle in transaction).
 */
export async function createAnnouncedPost(db: Queryable, authorId: string, text: string): Promise<{ id: string; createdAt: string }> {
  // `stamp` is the same instant as `created_at` with its microseconds, which a Date would drop.
  const { rows } = await db.query<{ id: string; created_at: Date; stamp: string }>(`SELECT nextval(pg_get_serial_sequence('posts', 'id'))::text AS id, now() AS created_at, now()::text AS stamp`);
  const reserved = rows[0]!;
  const event: Extract<OutboxEvent, { type: 'post.created' }> = { type: 'post.created', postId: reserved.id, authorId, text, createdAt: reserved.created_at.toISOString() };
  await db.query(
    `WITH post AS (
       INSERT INTO posts (id, author_id, text, created_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4)
     )
     INSERT INTO outbox (event_type, payload) VALUES ($5, $6)`,
    [reserved.id, authorId, text, reserved.stamp, event.type, event],
  );
  return { id: event.postId, createdAt: event.createdAt };
}
