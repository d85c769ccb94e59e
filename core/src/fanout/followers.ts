import { follows, users } from '@feed/db';
import type { Delivery, FanoutStep } from '@feed/cache';
import type { FanoutContext } from './context.ts';

export async function isCelebrity(ctx: FanoutContext, authorId: string): Promise<boolean> {
  return ((await users.followerCount(ctx.db, authorId)) ?? 0) > ctx.celebrityThreshold;
}

/** Walks an author's followers in id order, one batch at a time (keyset pagination). */
export async function forEachFollowerBatch(ctx: FanoutContext, authorId: string, work: (batch: string[]) => Promise<void>, followedBy?: string): Promise<void> {
  let after = '0';
  for (;;) {
    const batch = await follows.followersAfter(ctx.db, authorId, after, ctx.batchSize, followedBy);
    if (batch.length === 0) return;
    await work(batch);
    if (batch.length < ctx.batchSize) return;
    after = batch.at(-1)!;
  }
}

/**
 * Applies `step` to every follower of `authorId`, a batch per round trip, and returns the
 * deliveries of followers who are online (the ones a gateway must hear about).
 */
export async function fanOutToFollowers(ctx: FanoutContext, authorId: string, step: FanoutStep, followedBy?: string): Promise<Delivery[]> {
  const online: Delivery[] = [];
  await forEachFollowerBatch(
    ctx,
    authorId,
    async (batch) => {
      for (const delivery of await ctx.cache.fanout.deliver(batch, step)) {
        if (delivery.gateways.length > 0) online.push(delivery);
      }
    },
    followedBy,
  );
  return online;
}
