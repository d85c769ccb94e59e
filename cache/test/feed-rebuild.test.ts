// The feed rebuild's races, against the real Redis: a rebuild reads Postgres, then swaps its
// result in; whatever the fan-out did meanwhile must survive the swap.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectRedis, createCache, unlinkMatching, type RedisClient, type Cache } from '../src/index.ts';

let redis: RedisClient;
let cache: Cache;
beforeAll(() => {
  redis = connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
  cache = createCache(redis, { prefix: `${inject('redisPrefix')}cache-${randomBytes(3).toString('hex')}:`, feedSize: 5 });
});
afterAll(async () => {
  await unlinkMatching(redis, `${cache.settings.prefix}*`);
  await redis.quit();
});

describe('a feed rebuilt while the fan-out runs', () => {
  it('keeps posts added during the rebuild and drops posts removed during it', async () => {
    const user = '7';
    const token = (await cache.feeds.lock(user, 5_000))!;
    expect(token).toBeTruthy();
    // Meanwhile: post 13 arrives, post 11 is deleted (it was in the reader's snapshot).
    await cache.feeds.add(user, ['13']);
    await cache.feeds.remove(user, ['11']);
    // The rebuild's snapshot, read from Postgres before either.
    await cache.feeds.replace(user, ['10', '11', '12'], token);
    expect((await cache.feeds.page(user, 0, 10))!.ids).toEqual(['13', '12', '10']);
    expect(await cache.feeds.isLocked(user)).toBe(false);
  });

  it('keeps a post removed and then added again during the rebuild (unfollow, follow)', async () => {
    const user = '8';
    const token = (await cache.feeds.lock(user, 5_000))!;
    await cache.feeds.remove(user, ['21']);
    await cache.feeds.add(user, ['21']);
    await cache.feeds.replace(user, ['20'], token);
    expect((await cache.feeds.page(user, 0, 10))!.ids).toEqual(['21', '20']);
  });

  it('does not let a reader overwrite a newer body or a tombstone', async () => {
    await cache.posts.put([{ id: '31', text: 'edited', author_user_id: '1' }]);
    await cache.posts.tombstone('32');
    await cache.posts.fill([
      { id: '31', text: 'stale', author_user_id: '1' },
      { id: '32', text: 'deleted meanwhile', author_user_id: '1' },
      { id: '33', text: 'new to the cache', author_user_id: '1' },
    ]);
    const bodies = await cache.posts.get(['31', '32', '33']);
    expect(bodies.get('31')?.text).toBe('edited');
    expect(bodies.get('32')).toBeNull();
    expect(bodies.get('33')?.text).toBe('new to the cache');
  });
});
