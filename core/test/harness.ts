// Starts the real REST API on a free port against the test run's own database and Redis prefix.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { inject } from 'vitest';
import { connectRedis, type RedisClient } from '@feed/cache';
import { createPool, type Pool } from '@feed/db';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

export interface Harness {
  url: string;
  config: Config;
  db: Pool;
  redis: RedisClient;
  close(): Promise<void>;
}

export async function startCore(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_CLUSTER_NODES: inject('redisClusterNodes'),
    // Each harness its own prefix: rate-limit counters of one file never trip another's.
    REDIS_PREFIX: `${inject('redisPrefix')}${Math.random().toString(36).slice(2, 8)}:`,
    SCRYPT_LOG_N: '12', // fast hashing in tests; the production default is 17
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    POST_RATE_PER_MINUTE: '10000',
    // The API alone: whether the SPA is built (e2e tests build it) must not change API answers.
    STATIC_DIR: '/nonexistent-spa-build',
    LOGIN_RATE_PER_MINUTE: '10000',
    ...env,
  });
  const db = createPool(config.DATABASE_URL, 5);
  const redis = connectRedis({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES }, () => {});
  const app = createApp({ config, db, redis, log: createLogger(config.LOG_LEVEL) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    db,
    redis,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.end();
      await redis.quit();
    },
  };
}
