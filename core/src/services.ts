// Builds the long-lived clients both entry points (API and worker) share, from the config.
import { createPool } from '@feed/db';
import { connectRedis, createCache } from '@feed/cache';
import { topology } from '@feed/contracts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

export function createServices(config: Config, log: Logger) {
  const db = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const redis = connectRedis({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES }, (err) => log.warn({ err: err.message }, 'redis error'));
  const cache = createCache(redis, {
    prefix: config.REDIS_PREFIX,
    feedSize: config.FEED_SIZE,
    feedTtlSeconds: config.FEED_TTL_SECONDS,
    logMaxLength: config.EVENT_LOG_LENGTH,
    logTtlSeconds: config.EVENT_LOG_TTL_SECONDS,
    replicaWaitMs: config.REDIS_REPLICA_WAIT_MS,
  });
  const names = topology(config.AMQP_PREFIX);
  return { db, redis, cache, names };
}

export type Services = ReturnType<typeof createServices>;
