// Gateway configuration from the environment, validated once at start-up.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { HEARTBEAT_MS, validAmqpUrls } from '@feed/contracts';
import { validClusterNodes } from '@feed/cache';

const DEV_SECRET = 'dev-only-secret-change-me-in-production-0123456789';
const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Unique per gateway: names its RabbitMQ queue and its presence entries. */
  GATEWAY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default(() => `gw-${randomBytes(4).toString('hex')}`),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  /** A Redis Cluster instead of REDIS_URL: host:port seed nodes, comma-separated (as core's). */
  REDIS_CLUSTER_NODES: z.string().default('').refine(validClusterNodes, 'host:port, comma-separated'),
  REDIS_PREFIX: z.string().default('feed:'),
  /** One broker, or several nodes of one cluster comma-separated: reconnects try them in turn. */
  AMQP_URL: z.string().refine(validAmqpUrls, 'an amqp:// URL, or several comma-separated').default('amqp://guest:guest@127.0.0.1:5672'),
  AMQP_PREFIX: z.string().default(''),
  JWT_SECRET: z.string().min(32).default(DEV_SECRET),
  /** During a secret rotation: old secrets whose tokens are still accepted (comma-separated). */
  JWT_PREVIOUS_SECRETS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  /** Origins allowed to open a cookie-authenticated stream, besides the page's own host. */
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  /** The gateway queue keeps at most this many messages; older ones are dropped first. */
  QUEUE_MAX_LENGTH: int(100_000),
  /**
   * Messages the broker may have in flight to this gateway before it acks: a gateway that falls
   * behind leaves its backlog in the queue (bounded above) instead of in its own memory.
   */
  QUEUE_PREFETCH: z.coerce.number().int().min(1).max(65535, 'AMQP prefetch counts are 16-bit: at most 65535').default(32),
  /** The queue outlives a broker reconnect, and is deleted this long after the gateway is gone. */
  QUEUE_EXPIRES_MS: int(60_000),
  /** The event log's window and lifetime: must match the fan-out worker's (core's) settings. */
  EVENT_LOG_LENGTH: int(1000),
  EVENT_LOG_TTL_SECONDS: int(24 * 3600),
  PRESENCE_TTL_MS: int(30_000),
  PRESENCE_REFRESH_MS: int(10_000),
  WS_PING_MS: int(HEARTBEAT_MS.webSocketPing),
  SSE_HEARTBEAT_MS: int(HEARTBEAT_MS.sseComment),
  SSE_RETRY_MS: int(2_000),
  /** Bytes a session may have queued for a client before it is closed as slow. */
  SEND_BUFFER_LIMIT: int(1024 * 1024),
  MAX_FRAME_BYTES: int(4096),
  /** Messages a client may send per 10 s (clients have little to say). */
  CLIENT_MESSAGES_PER_10S: int(50),
  MAX_SESSIONS_PER_USER: int(16),
  /**
   * How often every open stream's token is checked against the revocations in Redis: the bound
   * on how long a stream outlives its logout when core's notice does not arrive.
   */
  REVOCATION_CHECK_MS: int(15_000),
  /** On SIGTERM: time for the load balancer to see the failing health check. */
  DRAIN_DELAY_MS: z.coerce.number().int().min(0).default(2_000),
  /** Then sessions are closed spread over this window, so they reconnect gradually. */
  DRAIN_WINDOW_MS: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid gateway configuration:\n${problems}`);
  }
  if (parsed.data.NODE_ENV === 'production' && parsed.data.JWT_SECRET === DEV_SECRET) throw new Error('set JWT_SECRET in production');
  return parsed.data;
}
