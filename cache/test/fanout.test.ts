// The fan-out of one step to many recipients in one call, against the real Redis (and, in the
// `cluster` project, a real Redis Cluster, where the recipients span every master and the
// script calls are grouped by slot): every recipient's feed and log get the event once, the
// deliveries come back in the order of the recipients, and a repeat appends nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectRedis, createCache, isCluster, masters, unlinkMatching, type Cache, type FanoutStep, type RedisClient } from '../src/index.ts';

let redis: RedisClient;
let cache: Cache;
beforeAll(() => {
  redis = connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
  cache = createCache(redis, { prefix: `${inject('redisPrefix')}fanout-${randomBytes(3).toString('hex')}:` });
});
afterAll(async () => {
  await unlinkMatching(redis, `${cache.settings.prefix}*`);
  await redis.quit();
});

const step = (postId: string): FanoutStep => ({
  feed: 'add',
  postId,
  eventKey: `created:${postId}`,
  payload: JSON.stringify({ type: 'post.created', postId }),
});

describe('one fan-out call to many recipients', () => {
  it('writes every recipient once, answers in their order, and appends nothing on a repeat', async () => {
    const users = Array.from({ length: 700 }, (_, i) => String(10_000 + i));
    // Every other user has a log (connected recently) and a built feed.
    const withLog = users.filter((_, i) => i % 2 === 0);
    const epochs = new Map(await Promise.all(withLog.map(async (u) => [u, await cache.logs.open(u)] as const)));
    await Promise.all(withLog.map(async (u) => cache.feeds.replace(u, [], (await cache.feeds.lock(u, 5_000))!)));

    const first = await cache.fanout.deliver(users, step('900'));
    expect(first.map((d) => d.userId)).toEqual(users);
    for (const d of first) {
      if (epochs.has(d.userId)) expect(d.entry).toMatchObject({ epoch: epochs.get(d.userId), prev: '0-0' });
      else expect(d.entry).toBeNull();
    }
    const again = await cache.fanout.deliver(users, step('900'));
    expect(again.map((d) => d.entry?.id ?? null)).toEqual(first.map((d) => d.entry?.id ?? null));
    expect(again.filter((d) => d.entry).every((d) => d.entry!.prev === '')).toBe(true);

    for (const u of withLog) {
      const read = await cache.logs.readAfter(u, epochs.get(u)!, '0-0');
      expect(read.status === 'ok' && read.entries.length).toBe(1);
      expect((await cache.feeds.page(u, 0, 10))!.ids).toEqual(['900']);
    }
    if (isCluster(redis)) {
      // The recipients' keys are spread over every master, so the call crossed all of them.
      const nodes = await masters(redis);
      const holding = await Promise.all(nodes.map(async (n) => (await n.keys(`${cache.settings.prefix}log:*`)).length > 0));
      expect(nodes.length).toBeGreaterThanOrEqual(3);
      expect(holding.every(Boolean)).toBe(true);
    }
  });
});
