// The settings core (API, relay, worker) and every gateway must agree on, declared once: each
// service's schema extends this shape (core/src/config.ts, gateway/src/config.ts). Every key
// carries its description in the schema, and `npm run docs:config` renders docs/configuration.md
// from it (scripts/config-docs.ts).
import { z } from 'zod';
import { validAmqpUrls } from './amqp-urls.ts';
import { validClusterNodes } from './redis-nodes.ts';
import { DEVELOPMENT_SECRET, productionSecretProblem } from './token.ts';

/** The processes of core's configuration (core/src/config.ts) that read a setting. */
export type CoreProcess = 'core' | 'worker';

declare module 'zod' {
  interface GlobalMeta {
    /** How docs/configuration.md shows a default that is computed at start-up (a path, a random id). */
    shownDefault?: string;
    /** For core's settings: which of its processes read it (absent: core, the API and relay). */
    readBy?: readonly CoreProcess[];
  }
}

/** A whole number ≥ 1 from the environment, with its default. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A comma-separated list, trimmed, empty items dropped. */
export const commaList = () =>
  z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

/** `true` or `false`. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

export const sharedSettings = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development').describe('`production` refuses published, placeholder and low-variety token secrets (JWT_SECRET, JWT_PREVIOUS_SECRETS).'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0').describe('The single Redis node, when REDIS_CLUSTER_NODES is empty. Must name the same Redis as core’s and every gateway’s.'),
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .refine(validClusterNodes, 'host:port, comma-separated')
    .describe('A Redis Cluster instead of REDIS_URL: seed nodes as host:port, comma-separated (what `npm run redis:cluster` prints). Empty: the single node at REDIS_URL.'),
  REDIS_PREFIX: z.string().default('feed:').describe('Prefix for every Redis key this deployment writes, so several stacks (and tests) share one Redis. Must match across core, the worker and the gateways.'),
  AMQP_URL: z.string().refine(validAmqpUrls, 'an amqp:// URL, or several comma-separated').default('amqp://guest:guest@127.0.0.1:5672').describe('One broker, or several nodes of one cluster comma-separated: reconnects try them in turn.'),
  AMQP_PREFIX: z.string().default('').describe('Prefix for every exchange and queue name, so several stacks (and tests) share one broker. Must match across core, the worker and the gateways.'),
  EVENT_LOG_LENGTH: positiveInt(1000).describe('Entries kept in each user’s live event log (Redis stream MAXLEN): how far back a resume can replay. The worker writes the log and the gateways replay it, so both must use the same value.'),
  EVENT_LOG_TTL_SECONDS: positiveInt(24 * 3600).describe('Seconds a user’s event log is kept after its last event. Must match between the worker and the gateways.'),
  JWT_SECRET: z
    .string()
    .min(32, 'JWT_SECRET must be at least 32 characters')
    .default(DEVELOPMENT_SECRET)
    .describe('Signs access tokens (HS256, at least 32 characters); core signs, gateways verify, so both must have the same. The default is a published development secret, refused when NODE_ENV=production.'),
  JWT_PREVIOUS_SECRETS: commaList().describe('During a secret rotation: old secrets whose tokens are still accepted (comma-separated).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
};

type Secrets = { NODE_ENV: string; JWT_SECRET: string; JWT_PREVIOUS_SECRETS: string[] };

/** For a service schema's superRefine: in production, no published or weak token secret. */
export function checkProductionSecrets(config: Secrets, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV !== 'production') return;
  const secrets = [['JWT_SECRET', config.JWT_SECRET] as const, ...config.JWT_PREVIOUS_SECRETS.map((s) => ['JWT_PREVIOUS_SECRETS', s] as const)];
  for (const [path, secret] of secrets) {
    const problem = productionSecretProblem(secret);
    if (problem) ctx.addIssue({ code: 'custom', path: [path], message: `in production, ${path} ${problem}` });
  }
}
