// Fan-out of post events. An ordinary author's post is written into every follower's feed and
// event log (fan-out on write); a celebrity's goes to their own timeline, which readers merge
// in, and reaches live followers as one message per gateway: O(1) in the number of followers.
import { follows, posts } from '@feed/db';
import { logEventKeys, type Delivery, type FanoutStep } from '@feed/cache';
import type { DomainEvent, LiveEvent } from '@feed/contracts';
import type { FanoutContext } from './context.ts';
import { observeAge } from '../pipeline-age.ts';

type Of<T extends DomainEvent['type']> = Extract<DomainEvent, { type: T }>;

export async function onPostCreated(ctx: FanoutContext, event: Of<'post.created'>): Promise<void> {
  const post = await posts.findPost(ctx.db, event.postId);
  if (!post) return; // deleted before it was fanned out; the deletion's event cleans up
  await ctx.cache.posts.put([post]);
  const live: LiveEvent = { type: 'post.created', postId: post.id, authorId: post.author_user_id, text: post.text };
  const createdAt = Date.parse(event.createdAt);
  if (await follows.isCelebrity(ctx.db, event.authorId, ctx.celebrityThreshold)) {
    // First post since becoming a celebrity (e.g. after a bulk import): followers learn it.
    if (await ctx.cache.celebrityFollows.promote(event.authorId)) {
      for await (const batch of follows.followerBatches(ctx.db, event.authorId, ctx.batchSize)) await ctx.cache.celebrityFollows.add(batch, event.authorId);
    }
    await pushToTimeline(ctx, event.authorId, post.id);
    await ctx.cache.timelines.markNewest(post.id);
    observeAge('redis written', createdAt);
    await ctx.live.audience(live, createdAt, event.authorId, await ctx.cache.audience.gateways(event.authorId));
    observeAge('gateway published', createdAt);
    return;
  }
  const online = await fanOutToFollowers(
    ctx,
    event.authorId,
    {
      feed: 'add',
      postId: post.id,
      eventKey: logEventKeys.postCreated(post.id),
      payload: JSON.stringify(live),
      cancelledBy: logEventKeys.postDeleted(post.id),
    },
    event.createdAt,
  );
  observeAge('redis written', createdAt);
  await ctx.live.direct(live, createdAt, online);
  observeAge('gateway published', createdAt);
}

/**
 * Applies `step` to every follower of `authorId`, a batch per round trip, and returns the
 * deliveries of followers who are online (the ones a gateway must hear about).
 */
async function fanOutToFollowers(ctx: FanoutContext, authorId: string, step: FanoutStep, followedBy?: string): Promise<Delivery[]> {
  const online: Delivery[] = [];
  for await (const batch of follows.followerBatches(ctx.db, authorId, ctx.batchSize, followedBy)) {
    for (const delivery of await ctx.cache.fanout.deliver(batch, step)) {
      if (delivery.gateways.length > 0) online.push(delivery);
    }
  }
  return online;
}

/**
 * Adds a celebrity's post to their timeline. A missing timeline (never built, evicted, flushed)
 * is loaded whole from Postgres instead: readers take a cached timeline as complete, so one
 * holding only the newest post would hide all the older ones.
 */
async function pushToTimeline(ctx: FanoutContext, authorId: string, postId: string): Promise<void> {
  if (await ctx.cache.timelines.extend(authorId, [postId])) return;
  const recent = await posts.recentPostsBy(ctx.db, authorId, ctx.cache.settings.feedSize);
  await ctx.cache.posts.fill(recent);
  await ctx.cache.timelines.push(authorId, [postId, ...recent.map((p) => p.id)]);
}

export async function onPostUpdated(ctx: FanoutContext, event: Of<'post.updated'>, messageId: string): Promise<void> {
  // The text comes from Postgres, not the event: with competing workers, the last edit handled
  // then carries the latest text whatever order the edits were handled in.
  const post = await posts.findPost(ctx.db, event.postId);
  if (!post) return;
  await ctx.cache.posts.put([post]);
  const live: LiveEvent = { type: 'post.updated', postId: post.id, authorId: post.author_user_id, text: post.text };
  if (await follows.isCelebrity(ctx.db, event.authorId, ctx.celebrityThreshold)) {
    await ctx.live.audience(live, Date.now(), event.authorId, await ctx.cache.audience.gateways(event.authorId));
    return;
  }
  const online = await fanOutToFollowers(ctx, event.authorId, {
    feed: 'none',
    postId: post.id,
    eventKey: logEventKeys.postUpdated(post.id, messageId),
    payload: JSON.stringify(live),
    cancelledBy: logEventKeys.postDeleted(post.id),
  });
  await ctx.live.direct(live, Date.now(), online);
}

export async function onPostDeleted(ctx: FanoutContext, event: Of<'post.deleted'>): Promise<void> {
  await ctx.cache.posts.tombstone(event.postId);
  await ctx.cache.timelines.remove(event.authorId, event.postId);
  const live: LiveEvent = { type: 'post.deleted', postId: event.postId, authorId: event.authorId };
  if (await follows.isCelebrity(ctx.db, event.authorId, ctx.celebrityThreshold)) {
    await ctx.live.audience(live, Date.now(), event.authorId, await ctx.cache.audience.gateways(event.authorId));
    return;
  }
  const online = await fanOutToFollowers(ctx, event.authorId, {
    feed: 'remove',
    postId: event.postId,
    eventKey: logEventKeys.postDeleted(event.postId),
    payload: JSON.stringify(live),
  });
  await ctx.live.direct(live, Date.now(), online);
}
