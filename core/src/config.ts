// Configuration from the environment, validated once at start-up. Defaults work on a
// developer machine with the local Postgres, Redis and RabbitMQ. Each key carries its
// description; after adding or changing one, `npm run docs:config` (docs/configuration.md).
import { fileURLToPath } from 'node:url';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { checkProductionSecrets, flag, positiveInt, sharedSettings } from '@feed/contracts/config';
import type { HashingSettings } from './auth/hashing.ts';
import type { Argon2Cost } from './auth/password.ts';
import type { RateLimitSettings } from './http/rate-limits.ts';
import { defaultRetryPolicy } from './fanout/retry-policy.ts';

/** The built SPA (`npm run build -w web`), served by core when it exists. */
const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const int = positiveInt;
/** Read by the API and relay (`npm run core`) and by the fan-out worker (`npm run worker`). */
const both = ['core', 'worker'] as const;

/**
 * Addresses, CIDRs or proxy-addr's names (loopback, linklocal, uniquelocal), comma-separated:
 * checked by compiling them as express compiles its trust-proxy list.
 */
const addressList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .superRefine((list, ctx) => {
      try {
        proxyaddr.compile(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `${(err as Error).message} (addresses, CIDRs, loopback, linklocal or uniquelocal)` });
      }
    });

// Core's own settings; the ones core and the gateways must agree on come from sharedSettings.
export const coreSettings = z
  .object({
    ...sharedSettings,
    HOST: z.string().default('127.0.0.1').meta({ description: 'Address the API listens on; the worker’s /health and /metrics listen on it too.', readBy: both }),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('Port of the REST API (0: any free port).'),
    TRUST_PROXY: addressList('loopback').describe(
      'The proxies whose X-Forwarded-For and X-Forwarded-Proto core believes: addresses, CIDRs or express’s names (loopback, linklocal, uniquelocal), comma-separated. The client address they give keys the rate limits; the scheme decides whether the session cookie is Secure. Only what HAProxy runs on: anyone else could claim any address.',
    ),
    RATE_LIMIT_EXEMPT: addressList('loopback').describe(
      'Client addresses no rate limit counts, in the syntax of TRUST_PROXY (empty: count everyone). By default this host: a load test, a probe or a test suite run beside the stack is never refused (Rack::Attack documents the same "allow from localhost" safelist). Empty it when a proxy on this host forwards no client address (every client would look local).',
    ),
    DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/feed').meta({ description: 'Postgres connection string. `npm run migrate`, `npm run seed` and `npm start` read it too.', readBy: both }),
    DATABASE_POOL_SIZE: int(10).meta({ description: 'Postgres connections per process at most (pg pool size).', readBy: both }),
    REDIS_REPLICA_WAIT_MS: int(1_000).meta({ description: 'On a Redis Cluster: how long (ms) a fan-out waits for the replicas to confirm its writes (WAIT).', readBy: both }),
    CELEBRITY_THRESHOLD: int(10_000).meta({ description: 'Authors with more followers than this are not fanned out on write; their posts are merged into feeds on read.', readBy: both }),
    FEED_SIZE: int(1000).meta({ description: 'Post ids kept in each user’s cached feed (Redis); deeper pages are read from Postgres. After a change, `npm run feeds:rebuild`.', readBy: both }),
    FEED_TTL_SECONDS: int(7 * 24 * 3600).meta({ description: 'Seconds a cached feed lives after its last read.', readBy: both }),
    FANOUT_BATCH: int(1000).meta({ description: 'Followers read from Postgres per page while a post is fanned out.', readBy: ['worker'] }),
    // The fan-out retry policy (core/src/fanout/retry-policy.ts; docs/reliability.md says what
    // these add up to).
    FANOUT_RETRY_DELAY_MS: int(defaultRetryPolicy.delayMs).meta({ description: 'Pause (ms) after each failed try of a fan-out, so an outage is not a hot loop.', readBy: ['worker'] }),
    FANOUT_RETRY_ATTEMPTS: int(defaultRetryPolicy.inPlaceAttempts).meta({ description: 'Tries of a failing fan-out in place, at least, before it may go back to the queue.', readBy: ['worker'] }),
    FANOUT_RETRY_IN_PLACE_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(defaultRetryPolicy.inPlaceMs)
      .meta({
        description: 'And for at least this long (ms) after its first failure: longer than a Redis Cluster failover (cluster-node-timeout + election + 5 s slot refresh), so an author’s later posts wait behind it instead of overtaking it.',
        readBy: ['worker'],
      }),
    FANOUT_DELIVERY_LIMIT: int(defaultRetryPolicy.deliveryLimit).meta({
      description:
        'Redeliveries of one message the fan-out queue allows (its x-delivery-limit) before dead-lettering it. An argument of the queue: every process declaring it must use the same value, and a change means deleting the queue (RabbitMQ refuses a redeclaration with other arguments).',
      readBy: ['worker'],
    }),
    // Generous: one author's posts are handled in order (a lane), and the messages waiting in a
    // lane hold prefetch slots; a deep prefetch keeps one busy author from stalling the others.
    WORKER_PREFETCH: int(128).meta({ description: 'Fan-out messages RabbitMQ may have in flight to one worker before it acks (AMQP prefetch).', readBy: ['worker'] }),
    WORKER_METRICS_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .meta({ description: 'The worker’s own /health and /metrics port (0: none).', readBy: ['worker'] }),
    OUTBOX_POLL_MS: int(5_000).describe('The outbox relay wakes on NOTIFY; this poll (ms) only catches what a lost notification left behind.'),
    OUTBOX_BATCH: int(500).describe('Outbox rows the relay publishes per round.'),
    OUTBOX_RETENTION_SECONDS: int(24 * 3600).describe('Seconds a published outbox row is kept before the relay deletes it.'),
    RELAY_ENABLED: flag(true).describe('`false`: this core process runs no outbox relay; at least one core must run it, or no event is published.'),
    TOKEN_TTL_SECONDS: int(24 * 3600).describe('Lifetime of an access token, in seconds.'),
    // Argon2id at OWASP's first recommended setting (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane.
    PASSWORD_MEMORY_KIB: z.coerce.number().int().min(8192).max(1048576).default(19456).describe('Memory per password hash (Argon2id), KiB; 19456 (19 MiB) is OWASP’s first recommendation with 2 passes.'),
    PASSWORD_PASSES: z.coerce.number().int().min(1).max(10).default(2).describe('Passes over that memory per password hash (Argon2id’s time cost).'),
    // Password hashing lanes (core/src/auth/hashing.ts): beyond a lane's queue the answer is 503
    // with Retry-After. Logins and registrations never wait for each other, and together leave
    // one of libuv's threads free. The queues are deep because waiting costs nothing but a
    // socket (memory is bounded by the lanes' concurrency): a hundred people logging in at once
    // from one office are queued, about 15 ms each, not refused.
    LOGIN_HASH_CONCURRENCY: int(2).describe('Logins hashed at once (their own lane of the password-hashing queue).'),
    LOGIN_HASH_QUEUE: int(1000).describe('Logins waiting for a hash at most; beyond, 503 with Retry-After.'),
    REGISTRATION_HASH_CONCURRENCY: int(1).describe('Registrations hashed at once (their own lane, so a flood of them cannot delay logins).'),
    REGISTRATION_HASH_QUEUE: int(500).describe('Registrations waiting for a hash at most; beyond, 503 with Retry-After.'),
    UV_THREADPOOL_SIZE: int(4).describe('libuv’s thread pool, which every hash runs on (Node reads it at start-up). The two lanes’ concurrency together must stay below it.'),
    // Rate limits (docs/api.md#rate-limits): token buckets of N that refill in full over the window.
    LOGIN_FAILURES_PER_ACCOUNT: int(10).describe('Failed logins (wrong password) per account per LOGIN_FAILURE_WINDOW_SECONDS; a success fills the bucket again.'),
    LOGIN_FAILURES_PER_IP: int(300).describe('Failed logins per client address, across accounts, per LOGIN_FAILURE_WINDOW_SECONDS: high enough for an office behind one NAT.'),
    LOGIN_FAILURE_WINDOW_SECONDS: int(3600).describe('Seconds over which the failed-login buckets refill in full.'),
    POST_BURST: int(300).describe('Posts per author at once; they come back at POST_BURST per POST_WINDOW_SECONDS.'),
    POST_WINDOW_SECONDS: int(3 * 3600).describe('Seconds over which an author’s post bucket refills in full.'),
    REGISTRATIONS_PER_IP: int(500).describe('Registrations per client address per REGISTRATION_WINDOW_SECONDS: a class or a load test registers hundreds from one host.'),
    REGISTRATION_WINDOW_SECONDS: int(3600).describe('Seconds over which the registration bucket refills in full.'),
    SEARCH_LIMIT: int(100).describe('The most users one GET /user/search answers with.'),
    FEED_PAGE_MAX: int(5000).describe('The most posts one GET /post/feed answers with; a larger limit is clamped to it.'),
    POST_MAX_CHARS: int(5000).describe('The longest post text, in characters.'),
    BODY_LIMIT_BYTES: int(64 * 1024).describe('The largest request body, in bytes; larger ones get 413.'),
    MIGRATE_ON_START: flag(true).describe('Apply pending database migrations when core starts.'),
    SHUTDOWN_GRACE_MS: int(10_000).meta({ description: 'On SIGTERM or SIGINT: how long (ms) in-flight work may take before the process exits anyway (code 1).', readBy: both }),
    STATIC_DIR: z.string().default(WEB_DIST).meta({ description: 'Directory of the built SPA; served (with index.html for client routes) when it exists.', shownDefault: '`web/dist` (this checkout’s built SPA)' }),
    CLUSTER_METRICS_TIMEOUT_MS: int(1_000).describe('GET /cluster: how long (ms) to wait for each gateway’s /metrics.'),
  })
  .superRefine(checkProductionSecrets)
  .refine((c) => c.LOGIN_HASH_CONCURRENCY + c.REGISTRATION_HASH_CONCURRENCY < c.UV_THREADPOOL_SIZE, {
    message: 'LOGIN_HASH_CONCURRENCY + REGISTRATION_HASH_CONCURRENCY must stay below UV_THREADPOOL_SIZE (one thread for the rest of the process)',
    path: ['LOGIN_HASH_CONCURRENCY'],
  });

export type Config = z.infer<typeof coreSettings>;

/** Settings that are no longer read, and what replaced them: a deployment setting one must not silently lose its limit. */
export const REPLACED: Record<string, string> = {
  LOGIN_RATE_PER_MINUTE: 'LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_IP and LOGIN_FAILURE_WINDOW_SECONDS (only failed logins count)',
  POST_RATE_PER_MINUTE: 'POST_BURST and POST_WINDOW_SECONDS',
  SCRYPT_LOG_N: 'PASSWORD_MEMORY_KIB and PASSWORD_PASSES (new hashes are Argon2id; stored scrypt hashes still verify)',
};

export function passwordCost(config: Config): Argon2Cost {
  return { memoryKiB: config.PASSWORD_MEMORY_KIB, passes: config.PASSWORD_PASSES };
}

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
    exempt: config.RATE_LIMIT_EXEMPT,
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const replaced = Object.keys(REPLACED).filter((name) => env[name] !== undefined);
  if (replaced.length > 0) {
    throw new Error(`invalid configuration:\n${replaced.map((name) => `  ${name} is not read any more: set ${REPLACED[name]}`).join('\n')}`);
  }
  const parsed = coreSettings.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
