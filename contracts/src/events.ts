// Domain events: what core publishes (through the outbox) on the `posts` topic exchange.
// The routing key is the event type. Ids travel as decimal strings: they are bigints in Postgres.
import { z } from 'zod';

const id = z.string().regex(/^[1-9][0-9]{0,18}$/);

export const postCreated = z.object({
  type: z.literal('post.created'),
  postId: id,
  authorId: id,
  text: z.string(),
  createdAt: z.string(),
});

export const postUpdated = z.object({
  type: z.literal('post.updated'),
  postId: id,
  authorId: id,
  text: z.string(),
});

export const postDeleted = z.object({
  type: z.literal('post.deleted'),
  postId: id,
  authorId: id,
});

export const friendFollowed = z.object({
  type: z.literal('friend.followed'),
  followerId: id,
  followeeId: id,
});

export const friendUnfollowed = z.object({
  type: z.literal('friend.unfollowed'),
  followerId: id,
  followeeId: id,
});

/**
 * Not from the outbox: a gateway asks for the list of celebrities a user follows (it routes
 * their live posts by it) when the list was never built, e.g. for a client that opened a stream
 * before reading its feed. The worker builds it from Postgres and answers that gateway.
 */
export const celebrityFollowsRequested = z.object({
  type: z.literal('celebrity-follows.requested'),
  userId: id,
  gatewayId: z.string().min(1).max(100),
});

export const domainEvent = z.discriminatedUnion('type', [postCreated, postUpdated, postDeleted, friendFollowed, friendUnfollowed, celebrityFollowsRequested]);

export type DomainEvent = z.infer<typeof domainEvent>;
export type DomainEventType = DomainEvent['type'];
/** What core writes to its outbox: every domain event but a gateway's request. */
export type OutboxEvent = Exclude<DomainEvent, z.infer<typeof celebrityFollowsRequested>>;
