// A gateway's renewal against the real Redis (and, in the cluster project, a Redis Cluster):
// presence renewed for every user however many slots they span, and what each user has now read
// back in the same call: whether the presence entry was gone, the log's epoch, the celebrity follows.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectRedis, createCache, unlinkMatching, type Cache, type RedisClient } from '../src/index.ts';

let redis: RedisClient;
let cache: Cache;
beforeAll(() => {
  redis = connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
  cache = createCache(redis, { prefix: `${inject('redisPrefix')}renewal-${randomBytes(3).toString('hex')}:` });
});
afterAll(async () => {
  await unlinkMatching(redis, `${cache.settings.prefix}*`);
  await redis.quit();
});

describe('renewal', () => {
  it('renews presence for 250 users and reads back their epochs and celebrity follows', async () => {
    const users = Array.from({ length: 250 }, (_, i) => String(5_000 + i));
    const now = Date.now();
    await cache.presence.register('gw-a', users, 10_000, now);
    const epochs = await Promise.all(users.slice(0, 2).map((u) => cache.logs.open(u)));
    await cache.celebrityFollows.replace(users[0]!, ['7', '8']);
    await cache.celebrityFollows.replace(users[1]!, []);
    // Redis forgot one user's entry.
    await cache.presence.unregister('gw-a', [users[2]!]);

    const renewed = await cache.renewal.renew('gw-a', users, 60_000, now + 1);
    expect(renewed.size).toBe(users.length);
    expect(renewed.get(users[0]!)).toEqual({ reRegistered: false, epoch: epochs[0], celebrities: ['7', '8'].sort() });
    expect(renewed.get(users[1]!)).toEqual({ reRegistered: false, epoch: epochs[1], celebrities: [] });
    expect(renewed.get(users[2]!)).toEqual({ reRegistered: true, epoch: null, celebrities: null });
    expect([...renewed.values()].filter((r) => r.reRegistered)).toHaveLength(1);

    // Every entry now lasts until the renewal's expiry, and the key with it.
    const lookup = await cache.presence.lookup(users, now + 30_000);
    expect(users.filter((u) => lookup.get(u)?.[0] !== 'gw-a')).toEqual([]);
    for (const u of [users[0]!, users[249]!]) {
      expect(Number(await redis.zscore(cache.keys.presence(u), 'gw-a'))).toBe(now + 1 + 60_000);
      expect(await redis.pttl(cache.keys.presence(u))).toBeGreaterThan(30_000);
    }
  });

  it('drops entries of other gateways that expired, keeps live ones', async () => {
    const user = '6001';
    const now = Date.now();
    await cache.presence.register('gw-dead', [user], 1_000, now - 5_000);
    await cache.presence.register('gw-b', [user], 10_000, now);
    await cache.renewal.renew('gw-a', [user], 10_000, now);
    expect((await redis.zrange(cache.keys.presence(user), '0', '-1')).sort()).toEqual(['gw-a', 'gw-b']);
  });
});
