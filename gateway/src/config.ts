// Gateway configuration from the environment, validated once at start-up. Each key carries its
// description; after adding or changing one, `npm run docs:config` (docs/configuration.md).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { HEARTBEAT_MS } from '@feed/contracts';
import { checkProductionSecrets, commaList, positiveInt, sharedSettings } from '@feed/contracts/config';

const int = positiveInt;

// The gateway's own settings; the ones it must agree on with core come from sharedSettings.
export const gatewaySettings = z
  .object({
    ...sharedSettings,
    HOST: z.string().default('127.0.0.1').describe('Address the gateway listens on.'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe('Port of the WebSocket / SSE stream, /health and /metrics (0: any free port).'),
    GATEWAY_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
      .default(() => `gw-${randomBytes(4).toString('hex')}`)
      .meta({ description: 'Unique per gateway: names its RabbitMQ queue and its presence entries. Letters, digits, _ and -, at most 64.', shownDefault: 'gw- and 8 random hex digits' }),
    GATEWAY_ADVERTISE_URL: z
      .string()
      .url()
      .optional()
      .describe('Where core’s cluster view reaches this gateway’s /health and /metrics. Unset: this host’s loopback and the port it listens on, which only works when core runs on the same host.'),
    ALLOWED_ORIGINS: commaList().describe('Origins allowed to open a cookie-authenticated stream, besides the page’s own host (comma-separated).'),
    QUEUE_MAX_LENGTH: int(100_000).describe('The gateway’s RabbitMQ queue keeps at most this many messages; older ones are dropped first.'),
    QUEUE_PREFETCH: z.coerce
      .number()
      .int()
      .min(1)
      .max(65535, 'AMQP prefetch counts are 16-bit: at most 65535')
      .default(32)
      .describe('Messages the broker may have in flight to this gateway before it acks (1–65535): a gateway that falls behind leaves its backlog in the queue (bounded by QUEUE_MAX_LENGTH) instead of in its own memory.'),
    QUEUE_EXPIRES_MS: int(60_000).describe('The queue outlives a broker reconnect, and is deleted this long (ms) after the gateway is gone.'),
    PRESENCE_TTL_MS: int(60_000).describe(
      'How long (ms) the gateway’s presence entries in Redis (the users it holds, its celebrity audiences, and that it is alive) last without a refresh. The worker sends a user’s events to the gateways present for that user, so a dead gateway stops getting traffic within one TTL (its clients resume elsewhere meanwhile). Must exceed PRESENCE_REFRESH_MS and GATEWAY_HEARTBEAT_MS.',
    ),
    PRESENCE_REFRESH_MS: int(25_000).describe(
      'How often (ms) each local user’s presence entry is renewed, the renewals spread over the period a slice of users at a time; each renewal also reads back the user’s log epoch (a user whose log Redis lost catches up or gets feed.reset) and celebrity follows.',
    ),
    GATEWAY_HEARTBEAT_MS: int(10_000).describe(
      'How often (ms) the gateway announces itself and its celebrity audiences, and checks that Redis still holds its previous heartbeat: finding it gone (a flush, a failover to an empty replica) resyncs every session (clients get feed.reset).',
    ),
    WS_PING_MS: int(HEARTBEAT_MS.webSocketPing).describe('Each WebSocket is pinged once per this period (ms), spread over it.'),
    SSE_HEARTBEAT_MS: int(HEARTBEAT_MS.sseComment).describe('Each SSE stream gets a comment once per this period (ms), spread over it.'),
    SSE_RETRY_MS: int(2_000).describe('The `retry:` an SSE stream announces: how long (ms) a browser’s EventSource waits before it reconnects.'),
    SEND_BUFFER_LIMIT: int(1024 * 1024).describe('Bytes a session may have queued for a client (beyond a resume’s replay) before it is closed as slow (4008).'),
    MAX_FRAME_BYTES: int(4096).describe('The largest frame a client may send, in bytes; larger ones close the WebSocket (1009).'),
    CLIENT_MESSAGES_PER_10S: int(50).describe('Messages a client may send per 10 s (clients have little to say).'),
    MAX_SESSIONS_PER_USER: int(16).describe('Streams one user may hold open on one gateway; more get HTTP 429.'),
    REVOCATION_CHECK_MS: int(15_000).describe(
      'How often (ms) the gateway reads the revocations made since its last check from Redis (one read, whatever the number of open streams) and closes the streams of revoked tokens: the bound on how long a stream outlives its logout when core’s notice does not arrive. When more were made than Redis keeps (10,000), every open stream’s token is checked instead.',
    ),
    DRAIN_DELAY_MS: z.coerce.number().int().min(0).default(2_000).describe('On SIGTERM: time (ms) for the load balancer to see the failing health check before sessions are closed.'),
    DRAIN_WINDOW_MS: z.coerce.number().int().min(0).default(10_000).describe('Then sessions are closed spread over this window (ms), so they reconnect gradually.'),
  })
  .superRefine((c, ctx) => {
    checkProductionSecrets(c, ctx);
    // A refresh has to land before the entries it renews expire, or users drop out of presence between refreshes.
    for (const period of ['PRESENCE_REFRESH_MS', 'GATEWAY_HEARTBEAT_MS'] as const) {
      if (c.PRESENCE_TTL_MS <= c[period]) ctx.addIssue({ code: 'custom', path: ['PRESENCE_TTL_MS'], message: `must exceed ${period} (${c[period]})` });
    }
  });

export type GatewayConfig = z.infer<typeof gatewaySettings>;

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = gatewaySettings.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid gateway configuration:\n${problems}`);
  }
  return parsed.data;
}
