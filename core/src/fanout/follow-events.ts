// Follow and unfollow: bring the followee's recent posts into the follower's feed, or take
// them out, and tell the follower's sessions through their event log.
import { follows, posts } from '@feed/db';
import type { DomainEvent, LiveEvent } from '@feed/contracts';
import type { FanoutContext } from './context.ts';
import { isCelebrity } from './followers.ts';

type Of<T extends DomainEvent['type']> = Extract<DomainEvent, { type: T }>;

async function notifyFollower(ctx: FanoutContext, followerId: string, live: LiveEvent, eventKey: string): Promise<void> {
  const deliveries = await ctx.cache.fanout.deliver([followerId], { feed: 'none', postId: '0', eventKey, payload: JSON.stringify(live) });
  await ctx.live.direct(live, Date.now(), deliveries);
}

/**
 * The followee's newest posts, as many as a feed holds: any of their posts that can be in a
 * feed is among these, since a feed keeps only its newest ids.
 */
async function recentIds(ctx: FanoutContext, authorId: string): Promise<string[]> {
  return (await posts.recentPostsBy(ctx.db, authorId, ctx.cache.settings.feedSize)).map((p) => p.id);
}

export async function onFollowed(ctx: FanoutContext, event: Of<'friend.followed'>, messageId: string): Promise<void> {
  const { followerId, followeeId } = event;
  // Postgres is the truth: if the follow was undone since, the unfollow's event does the work.
  if (!(await follows.isFollowing(ctx.db, followerId, followeeId))) return;
  if (!(await isCelebrity(ctx, followeeId))) await ctx.cache.feeds.add(followerId, await recentIds(ctx, followeeId));
  await notifyFollower(ctx, followerId, { type: 'friend.followed', authorId: followeeId }, `followed:${followeeId}:${messageId}`);
}

export async function onUnfollowed(ctx: FanoutContext, event: Of<'friend.unfollowed'>, messageId: string): Promise<void> {
  const { followerId, followeeId } = event;
  if (await follows.isFollowing(ctx.db, followerId, followeeId)) return; // followed again since
  await ctx.cache.feeds.remove(followerId, await recentIds(ctx, followeeId));
  await notifyFollower(ctx, followerId, { type: 'friend.unfollowed', authorId: followeeId }, `unfollowed:${followeeId}:${messageId}`);
}
