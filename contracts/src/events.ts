// Domain events: what core publishes (through the outbox) on the `posts` topic exchange.
// The routing key is the event type. Ids travel as decimal strings: they are bigints in Postgres.
import { z } from 'zod';

export const DOMAIN_EXCHANGE = 'posts';

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

export const domainEvent = z.discriminatedUnion('type', [
  postCreated,
  postUpdated,
  postDeleted,
  friendFollowed,
  friendUnfollowed,
]);

export type DomainEvent = z.infer<typeof domainEvent>;
export type DomainEventType = DomainEvent['type'];
