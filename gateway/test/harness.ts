// Gateways for tests: real processes, on Node or on Deno (GW_RUNTIME), against the test
// pipeline's own Redis prefix and RabbitMQ names.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Pipeline } from '../../core/test/pipeline.ts';
import { launch } from '../../test/support/launcher.ts';
import { waitFor } from '../../test/support/ports.ts';
import { denoBinary, type Runtime } from '../src/launch.ts';

export { denoBinary, type Runtime };
export const runtime: Runtime = process.env.GW_RUNTIME === 'deno' ? 'deno' : 'node';

export interface Gateway {
  id: string;
  port: number;
  httpUrl: string;
  wsUrl: string;
  process: ChildProcess;
  output(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** A metric's value summed over its label sets (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** A gateway on a free port (or PORT from `overrides`), once its /health answers. */
export async function startGateway(p: Pipeline, overrides: Record<string, string> = {}): Promise<Gateway> {
  const id = overrides.GATEWAY_ID ?? `t${randomBytes(3).toString('hex')}`;
  const env = {
    NODE_ENV: 'test',
    REDIS_URL: p.env.REDIS_URL!,
    REDIS_CLUSTER_NODES: p.env.REDIS_CLUSTER_NODES ?? '',
    REDIS_PREFIX: p.env.REDIS_PREFIX!,
    AMQP_URL: p.env.AMQP_URL!,
    AMQP_PREFIX: p.env.AMQP_PREFIX!,
    JWT_SECRET: p.config.JWT_SECRET,
    GATEWAY_ID: id,
    LOG_LEVEL: 'info',
    DRAIN_DELAY_MS: '300',
    DRAIN_WINDOW_MS: '300',
    NO_COLOR: '1',
    // The worker writes the event logs; the gateway reads them with the same window.
    ...(p.env.EVENT_LOG_LENGTH ? { EVENT_LOG_LENGTH: p.env.EVENT_LOG_LENGTH } : {}),
    ...(p.env.EVENT_LOG_TTL_SECONDS ? { EVENT_LOG_TTL_SECONDS: p.env.EVENT_LOG_TTL_SECONDS } : {}),
    ...overrides,
  };
  const gw = await launch(`gateway ${id}`, 'gateway', { runtime, env, port: overrides.PORT ? Number(overrides.PORT) : undefined });
  try {
    await gw.waitHealthy(30_000);
  } catch (err) {
    await gw.kill('SIGKILL');
    throw err;
  }
  return {
    id,
    port: gw.port,
    httpUrl: gw.url,
    wsUrl: `ws://127.0.0.1:${gw.port}/post/feed/posted`,
    process: gw.child!,
    output: () => gw.output(),
    stop: async (signal = 'SIGTERM') => (await gw.kill(signal)).code,
    async metric(name, labels = {}) {
      const text = await gw.metrics();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
      }
      return sum;
    },
  };
}

/** Waits until the presence registry says `userId` is held by `gateway` (or, with false, is not). */
export function online(p: Pipeline, userId: string, gateway: Gateway, expected = true): Promise<true> {
  return waitFor(`user ${userId} ${expected ? '' : 'no longer '}registered on ${gateway.id}`, async () => {
    const held = ((await p.cache.presence.lookup([userId])).get(userId) ?? []).includes(gateway.id);
    return held === expected || undefined;
  });
}

export interface LoggedEvent {
  /** The stream id: the middle part of the client-facing event id. */
  id: string;
  type: string;
  postId?: string;
  authorId?: string;
  text?: string;
}

/** A user's event log as the fan-out worker wrote it, oldest first. */
export async function eventLog(p: Pipeline, userId: string): Promise<LoggedEvent[]> {
  const raw = (await p.redis.xrange(p.cache.keys.log(userId), '-', '+')) as [string, string[]][];
  return raw.map(([id, fields]) => ({ id, ...JSON.parse(fields[fields.indexOf('e') + 1] ?? '{}') }));
}

/** Waits until the user's log holds an event for each of `postIds` (of `type`, post.created by default). */
export function logHolds(p: Pipeline, userId: string, postIds: readonly string[], type = 'post.created'): Promise<LoggedEvent[]> {
  return waitFor(`${type} ${postIds.join(',')} in ${userId}'s log`, async () => {
    const log = await eventLog(p, userId);
    return postIds.every((id) => log.some((e) => e.type === type && e.postId === id)) ? log : undefined;
  });
}

/** The parts of a client-facing event id: `<epoch>.<log id>.<celebrity post id>`. */
export function splitEventId(id: string): { epoch: string; logId: string; celebrityPostId: string } {
  const [epoch = '', logId = '', celebrityPostId = ''] = id.split('.');
  return { epoch, logId, celebrityPostId };
}
