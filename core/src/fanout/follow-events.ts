// Follow and unfollow: bring the followee's recent posts into the follower's feed, or take
// them out, keep the follower's list of followed celebrities current, and tell the follower's
// sessions through their event log. Also notices an author crossing the celebrity threshold.
import { follows, posts } from '@feed/db';
import type { DomainEvent, LiveEvent } from '@feed/contracts';
import type { FanoutContext } from './context.ts';

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

/**
 * Celebrity status follows the follower count. Crossing up: every follower learns that the
 * author is a celebrity (gateways route their live posts by it). Crossing down: the author's
 * recent posts, which were not fanned out, go into every follower's feed.
 */
async function reviewCelebrity(ctx: FanoutContext, authorId: string): Promise<boolean> {
  const celebrity = await follows.isCelebrity(ctx.db, authorId, ctx.celebrityThreshold);
  if (celebrity && (await ctx.cache.celebrityFollows.promote(authorId))) {
    for await (const batch of follows.followerBatches(ctx.db, authorId, ctx.batchSize)) await ctx.cache.celebrityFollows.add(batch, authorId);
  } else if (!celebrity && (await ctx.cache.celebrityFollows.demote(authorId))) {
    const ids = await recentIds(ctx, authorId);
    for await (const batch of follows.followerBatches(ctx.db, authorId, ctx.batchSize)) {
      await ctx.cache.celebrityFollows.remove(batch, authorId);
      await Promise.all(batch.map((followerId) => ctx.cache.feeds.add(followerId, ids)));
    }
  }
  return celebrity;
}

export async function onFollowed(ctx: FanoutContext, event: Of<'friend.followed'>, messageId: string): Promise<void> {
  const { followerId, followeeId } = event;
  // Postgres is the truth: if the follow was undone since, the unfollow's event does the work.
  if (!(await follows.isFollowing(ctx.db, followerId, followeeId))) return;
  if (await reviewCelebrity(ctx, followeeId)) {
    await ctx.cache.celebrityFollows.add([followerId], followeeId);
  } else {
    await ctx.cache.feeds.add(followerId, await recentIds(ctx, followeeId));
  }
  await notifyFollower(ctx, followerId, { type: 'friend.followed', authorId: followeeId }, `followed:${followeeId}:${messageId}`);
}

export async function onUnfollowed(ctx: FanoutContext, event: Of<'friend.unfollowed'>, messageId: string): Promise<void> {
  const { followerId, followeeId } = event;
  if (await follows.isFollowing(ctx.db, followerId, followeeId)) return; // followed again since
  await ctx.cache.feeds.remove(followerId, await recentIds(ctx, followeeId));
  await ctx.cache.celebrityFollows.remove([followerId], followeeId);
  await reviewCelebrity(ctx, followeeId);
  await notifyFollower(ctx, followerId, { type: 'friend.unfollowed', authorId: followeeId }, `unfollowed:${followeeId}:${messageId}`);
}
