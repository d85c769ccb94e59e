// Configuration from the environment, validated once at start-up. Defaults work on a
// developer machine with the local Postgres, Redis and RabbitMQ.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { validAmqpUrls } from '@feed/contracts';
import { validClusterNodes } from '@feed/cache';
import type { HashingSettings } from './auth/hashing.ts';
import type { RateLimitSettings } from './http/rate-limits.ts';

const DEV_SECRET = 'dev-only-secret-change-me-in-production-0123456789';

/** The built SPA (`npm run build -w web`), served by core when it exists. */
const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/feed'),
    DATABASE_POOL_SIZE: int(10),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
    /**
     * A Redis Cluster instead of REDIS_URL: seed nodes as host:port, comma-separated (what
     * `npm run redis:cluster` prints). Empty: the single node at REDIS_URL.
     */
    REDIS_CLUSTER_NODES: z.string().default('').refine(validClusterNodes, 'host:port, comma-separated'),
    /** On a cluster: how long a fan-out waits for the replicas to confirm its writes (WAIT). */
    REDIS_REPLICA_WAIT_MS: int(1_000),
    /** Prefix for every Redis key this deployment writes, so several stacks (and tests) share one Redis. */
    REDIS_PREFIX: z.string().default('feed:'),
    /** One broker, or several nodes of one cluster comma-separated: reconnects try them in turn. */
    AMQP_URL: z
      .string()
      .refine(validAmqpUrls, 'an amqp:// URL, or several comma-separated')
      .default('amqp://guest:guest@127.0.0.1:5672'),
    /** Prefix for every exchange and queue name, so several stacks (and tests) share one broker. */
    AMQP_PREFIX: z.string().default(''),
    /** Authors with more followers than this are not fanned out on write. */
    CELEBRITY_THRESHOLD: int(10_000),
    FEED_SIZE: int(1000),
    FEED_TTL_SECONDS: int(7 * 24 * 3600),
    EVENT_LOG_LENGTH: int(1000),
    EVENT_LOG_TTL_SECONDS: int(24 * 3600),
    FANOUT_BATCH: int(1000),
    /**
     * A failing fan-out is retried in place (1 s apart) for this long before it goes back to the
     * queue: longer than a Redis Cluster failover (cluster-node-timeout + election + 5 s slot refresh).
     */
    FANOUT_RETRY_IN_PLACE_MS: z.coerce.number().int().min(0).default(15_000),
    // Generous: one author's posts are handled in order (a lane), and the messages waiting in a
    // lane hold prefetch slots; a deep prefetch keeps one busy author from stalling the others.
    WORKER_PREFETCH: int(128),
    /** The worker's own /health and /metrics port (0: none). */
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    /** The relay wakes on NOTIFY; this poll only catches what a lost notification left behind. */
    OUTBOX_POLL_MS: int(5_000),
    OUTBOX_BATCH: int(500),
    OUTBOX_RETENTION_SECONDS: int(24 * 3600),
    RELAY_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').default(DEV_SECRET),
    TOKEN_TTL_SECONDS: int(24 * 3600),
    /** During a secret rotation: old secrets whose tokens are still accepted (comma-separated). */
    JWT_PREVIOUS_SECRETS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    /** scrypt cost as log2(N); 17 is OWASP's minimum recommendation (128 MiB, r=8, p=1). */
    SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
    // Password hashing lanes (core/src/auth/hashing.ts): hashes at once and hashes waiting, per
    // lane; beyond the queue the answer is 503 with Retry-After. Logins and registrations never
    // wait for each other, and together leave one of libuv's threads free.
    LOGIN_HASH_CONCURRENCY: int(2),
    LOGIN_HASH_QUEUE: int(64),
    REGISTRATION_HASH_CONCURRENCY: int(1),
    REGISTRATION_HASH_QUEUE: int(32),
    /** libuv's thread pool, which every hash runs on (Node reads it at start-up; 4 unless set). */
    UV_THREADPOOL_SIZE: int(4),
    // Rate limits (docs/api.md#rate-limits): token buckets of N that refill in full over the window.
    /** Failed logins (wrong password) per account; a success fills the bucket again. */
    LOGIN_FAILURES_PER_ACCOUNT: int(10),
    /** Failed logins per client address, across accounts: high enough for an office behind one NAT. */
    LOGIN_FAILURES_PER_IP: int(300),
    LOGIN_FAILURE_WINDOW_SECONDS: int(3600),
    /** Posts per author at once; they come back at POST_BURST per POST_WINDOW_SECONDS. */
    POST_BURST: int(300),
    POST_WINDOW_SECONDS: int(3 * 3600),
    /** Registrations per client address: a class or a load test registers hundreds from one host. */
    REGISTRATIONS_PER_IP: int(500),
    REGISTRATION_WINDOW_SECONDS: int(3600),
    SEARCH_LIMIT: int(100),
    /** The most posts one GET /post/feed answers with; a larger limit is clamped to it. */
    FEED_PAGE_MAX: int(5000),
    POST_MAX_CHARS: int(5000),
    BODY_LIMIT_BYTES: int(64 * 1024),
    MIGRATE_ON_START: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    SHUTDOWN_GRACE_MS: int(10_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Directory of the built SPA; served (with index.html for client routes) when it exists. */
    STATIC_DIR: z.string().default(WEB_DIST),
    /** GET /cluster: how long to wait for each gateway's /metrics. */
    CLUSTER_METRICS_TIMEOUT_MS: int(1_000),
  })
  .refine((c) => c.LOGIN_HASH_CONCURRENCY + c.REGISTRATION_HASH_CONCURRENCY < c.UV_THREADPOOL_SIZE, {
    message: 'LOGIN_HASH_CONCURRENCY + REGISTRATION_HASH_CONCURRENCY must stay below UV_THREADPOOL_SIZE (one thread for the rest of the process)',
    path: ['LOGIN_HASH_CONCURRENCY'],
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.JWT_SECRET !== DEV_SECRET, {
    message: 'set JWT_SECRET in production',
    path: ['JWT_SECRET'],
  });

export type Config = z.infer<typeof schema>;

/** Settings that are no longer read, and what replaced them: a deployment setting one must not silently lose its limit. */
const REPLACED: Record<string, string> = {
  LOGIN_RATE_PER_MINUTE: 'LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_IP and LOGIN_FAILURE_WINDOW_SECONDS (only failed logins count)',
  POST_RATE_PER_MINUTE: 'POST_BURST and POST_WINDOW_SECONDS',
};

export function hashingSettings(config: Config): HashingSettings {
  return {
    login: { concurrency: config.LOGIN_HASH_CONCURRENCY, queue: config.LOGIN_HASH_QUEUE },
    registration: { concurrency: config.REGISTRATION_HASH_CONCURRENCY, queue: config.REGISTRATION_HASH_QUEUE },
  };
}

export function rateLimitSettings(config: Config): RateLimitSettings {
  return {
    loginFailuresPerAccount: { capacity: config.LOGIN_FAILURES_PER_ACCOUNT, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS },
    loginFailuresPerAddress: { capacity: config.LOGIN_FAILURES_PER_IP, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS },
    posts: { capacity: config.POST_BURST, windowSeconds: config.POST_WINDOW_SECONDS },
    registrations: { capacity: config.REGISTRATIONS_PER_IP, windowSeconds: config.REGISTRATION_WINDOW_SECONDS },
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const replaced = Object.keys(REPLACED).filter((name) => env[name] !== undefined);
  if (replaced.length > 0) {
    throw new Error(`invalid configuration:\n${replaced.map((name) => `  ${name} is not read any more: set ${REPLACED[name]}`).join('\n')}`);
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
