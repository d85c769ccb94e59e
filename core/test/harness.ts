// Starts the real REST API on a free port against the test run's own database and Redis prefix.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { inject } from 'vitest';
import { connectRedis, type RedisClient } from '@feed/cache';
import { createPool, type Pool } from '@feed/db';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { createLogger, type Logger } from '../src/log.ts';
import type { PasswordHashing } from '../src/auth/hashing.ts';

export interface Harness {
  url: string;
  config: Config;
  db: Pool;
  redis: RedisClient;
  close(): Promise<void>;
}

/** Rate limits no test reaches by accident. */
export const OUT_OF_THE_WAY: Record<string, string> = {
  POST_BURST: '1000000',
  REGISTRATIONS_PER_IP: '1000000',
  LOGIN_FAILURES_PER_ACCOUNT: '1000000',
  LOGIN_FAILURES_PER_IP: '1000000',
};

/**
 * Hashing queues no test fills by accident: tests sign up dozens of users at once (with a cheap
 * scrypt cost), which the production bounds would rightly refuse. core/test/hashing.test.ts
 * fills them on purpose.
 */
export const ROOMY_HASHING: Record<string, string> = {
  LOGIN_HASH_QUEUE: '100000',
  REGISTRATION_HASH_QUEUE: '100000',
};

/** The production defaults of every rate limit, for tests that judge the API as `npm start` runs it. */
export function defaultLimits(): Record<string, string> {
  const defaults = loadConfig({});
  return Object.fromEntries(Object.keys(OUT_OF_THE_WAY).map((name) => [name, String(defaults[name as keyof Config])]));
}

export async function startCore(env: Record<string, string> = {}, options: { log?: Logger; hashing?: PasswordHashing } = {}): Promise<Harness> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_CLUSTER_NODES: inject('redisClusterNodes'),
    // Each harness its own prefix: rate-limit counters of one file never trip another's.
    REDIS_PREFIX: `${inject('redisPrefix')}${Math.random().toString(36).slice(2, 8)}:`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The API alone: whether the SPA is built (e2e tests build it) must not change API answers.
    STATIC_DIR: '/nonexistent-spa-build',
    // Every test signs up from 127.0.0.1 and posts at machine speed: limits far out of the way,
    // except where a test passes `defaultLimits()` or its own.
    ...OUT_OF_THE_WAY,
    ...ROOMY_HASHING,
    ...env,
  });
  const db = createPool(config.DATABASE_URL, 5);
  const redis = connectRedis({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES }, () => {});
  const app = createApp({ config, db, redis, log: options.log ?? createLogger(config.LOG_LEVEL), ...(options.hashing ? { hashing: options.hashing } : {}) });
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
      // A test may have cut the connection on purpose (Redis outage): then there is nothing to quit.
      if (redis.status !== 'end') await redis.quit();
    },
  };
}
