import type { OutboxEvent } from '@feed/contracts';
import type { Queryable } from './pool.ts';

/** Call inside the transaction that makes the change, so the event exists iff the change does. */
export async function enqueue(tx: Queryable, event: OutboxEvent): Promise<void> {
  await tx.query('INSERT INTO outbox (event_type, payload) VALUES ($1, $2)', [event.type, event]);
}
