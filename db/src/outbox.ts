import type { OutboxEvent } from '@feed/contracts';
import type { Queryable } from './pool.ts';

/** The author (or followee) whose events must reach consumers in order. */
function partitionKey(event: OutboxEvent): string {
  switch (event.type) {
    case 'post.created':
    case 'post.updated':
    case 'post.deleted':
      return event.authorId;
    case 'friend.followed':
    case 'friend.unfollowed':
      return event.followeeId;
  }
}

/** Call inside the transaction that makes the change, so the event exists iff the change does. */
export async function enqueue(tx: Queryable, event: OutboxEvent): Promise<void> {
  await tx.query('INSERT INTO outbox (event_type, partition_key, payload) VALUES ($1, $2, $3)', [
    event.type,
    partitionKey(event),
    event,
  ]);
}
