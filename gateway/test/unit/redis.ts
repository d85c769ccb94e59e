// A cache on the test run's real Redis (or Redis Cluster), under a prefix of its own, for
// in-process tests of the gateway's hub and replayer. Removed with everything under it.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectRedis, createCache, unlinkMatching, type Cache, type CacheSettings, type RedisClient } from '@feed/cache';

export interface TestCache {
  cache: Cache;
  redis: RedisClient;
  close(): Promise<void>;
}

export function testCache(name: string, settings: Partial<CacheSettings> = {}): TestCache {
  const redis = connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
  const cache = createCache(redis, { ...settings, prefix: `${inject('redisPrefix')}${name}-${randomBytes(3).toString('hex')}:` });
  return {
    cache,
    redis,
    async close() {
      await unlinkMatching(redis, `${cache.settings.prefix}*`);
      await redis.quit();
    },
  };
}
