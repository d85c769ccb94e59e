// Token buckets against the real Redis: a burst of `capacity`, refused (and nothing taken) when
// empty, refilled over the window; peek takes nothing, charge never goes below zero; takes from
// many clients at once never hand out more than the bucket holds.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectRedis, createCache, unlinkMatching, type Cache, type RedisClient } from '../src/index.ts';
import { waitFor } from '../../test/support/ports.ts';

let redis: RedisClient;
const connect = () => connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
let cache: Cache;
beforeAll(() => {
  redis = connect();
  cache = createCache(redis, { prefix: `${inject('redisPrefix')}rate-${randomBytes(3).toString('hex')}:` });
});
afterAll(async () => {
  await unlinkMatching(redis, `${cache.settings.prefix}*`);
  await redis.quit();
});

const subject = () => randomBytes(4).toString('hex');
const HOUR = { capacity: 5, windowSeconds: 3600 };

describe('a token bucket', () => {
  it('allows a burst of its capacity, then refuses without taking, with the wait for the next token', async () => {
    const who = subject();
    for (let i = 0; i < 5; i++) {
      const state = await cache.rateLimits.take('t', who, HOUR);
      expect(state).toMatchObject({ allowed: true, remaining: 4 - i, retryAfterMs: i < 4 ? 0 : expect.any(Number) });
    }
    const refused = await cache.rateLimits.take('t', who, HOUR);
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(0);
    // One token per 3600/5 = 720 s; a few ms may have refilled already.
    expect(refused.retryAfterMs).toBeGreaterThan(600_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(720_000);
    expect(refused.fullInMs).toBeGreaterThan(3_000_000);
    // The key lives until the bucket would be full again, no longer.
    const ttl = await redis.pttl(cache.keys.rateBucket('t', who));
    expect(ttl).toBeGreaterThan(3_000_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('keeps subjects and limits apart', async () => {
    const who = subject();
    for (let i = 0; i < 5; i++) await cache.rateLimits.take('t', who, HOUR);
    expect((await cache.rateLimits.take('t', who, HOUR)).allowed).toBe(false);
    expect((await cache.rateLimits.take('t', subject(), HOUR)).allowed).toBe(true);
    expect((await cache.rateLimits.take('other', who, HOUR)).allowed).toBe(true);
  });

  it('peek takes nothing and writes no key', async () => {
    const who = subject();
    for (let i = 0; i < 10; i++) expect(await cache.rateLimits.peek('t', who, HOUR)).toMatchObject({ allowed: true, remaining: 5 });
    expect(await redis.exists(cache.keys.rateBucket('t', who))).toBe(0);
  });

  it('charge takes even from an empty bucket, never below zero; reset fills it again', async () => {
    const who = subject();
    for (let i = 0; i < 8; i++) await cache.rateLimits.charge('t', who, HOUR);
    expect(await cache.rateLimits.peek('t', who, HOUR)).toMatchObject({ allowed: false, remaining: 0 });
    const raw = await redis.hget(cache.keys.rateBucket('t', who), 'tokens');
    expect(Number(raw)).toBeGreaterThanOrEqual(0);
    expect(Number(raw)).toBeLessThan(1);
    await cache.rateLimits.reset('t', who);
    expect(await cache.rateLimits.peek('t', who, HOUR)).toMatchObject({ allowed: true, remaining: 5 });
  });

  it('refills over its window', async () => {
    const who = subject();
    const fast = { capacity: 2, windowSeconds: 0.2 };
    while ((await cache.rateLimits.take('t', who, fast)).allowed);
    // Waits on the condition, with no claim on how long it takes.
    await waitFor('a token back', async () => (await cache.rateLimits.take('t', who, fast)).allowed, 10_000);
  });

  it('hands out exactly its capacity to 60 concurrent takes from separate connections', async () => {
    const who = subject();
    const clients = Array.from({ length: 6 }, connect);
    try {
      const caches = clients.map((c) => createCache(c, { prefix: cache.settings.prefix }));
      const policy = { capacity: 20, windowSeconds: 3600 };
      const states = await Promise.all(Array.from({ length: 60 }, (_, i) => caches[i % caches.length]!.rateLimits.take('t', who, policy)));
      expect(states.filter((s) => s.allowed)).toHaveLength(20);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});
