// The gateway process. Runs unchanged on Node (tsx) and on Deno.
import { once } from 'node:events';
import { pino } from 'pino';
import { connectRedis, createCache } from '@feed/cache';
import { loadConfig } from './config.ts';
import { currentRuntime } from './launch.ts';
import { createMetrics } from './metrics.ts';
import { GatewayNode } from './node.ts';
import { createGatewayServer } from './server.ts';

const config = loadConfig();
const log = pino({ name: 'gateway', level: config.LOG_LEVEL, base: { gateway: config.GATEWAY_ID } });
const redis = connectRedis({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES }, (err) => log.warn({ err: err.message }, 'redis error'));
const cache = createCache(redis, {
  prefix: config.REDIS_PREFIX,
  logMaxLength: config.EVENT_LOG_LENGTH,
  logTtlSeconds: config.EVENT_LOG_TTL_SECONDS,
});
const metrics = createMetrics(config.GATEWAY_ID);
const node = new GatewayNode(config, cache, metrics, log);

// Redis came back after an outage: presence may have expired and events may have been missed.
let redisWasDown = false;
redis.on('close', () => (redisWasDown = true));
redis.on('ready', () => {
  if (redisWasDown) void node.resync('redis reconnected');
  redisWasDown = false;
});

await node.start();
const { server, close } = createGatewayServer(node, metrics, log);
server.listen(config.PORT, config.HOST);
await once(server, 'listening');
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
// Where core's /cluster finds this gateway: set GATEWAY_ADVERTISE_URL when that is not this
// host's loopback (another container: http://gateway1:4000).
const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
await node.advertise(config.GATEWAY_ADVERTISE_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
log.info({ port, url: `http://${config.HOST}:${port}`, runtime: currentRuntime() }, 'gateway listening');

let stopping = false;
async function shutdown(signal: string, drain: boolean): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), config.DRAIN_DELAY_MS + config.DRAIN_WINDOW_MS + 10_000);
  // A drain or stop that throws is a failed shutdown: exit non-zero so a supervisor (and the
  // drain test) can tell it from a clean one. Each step runs whether or not the one before failed.
  let code = 0;
  const step = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      code = 1;
      log.error({ err: (err as Error).message }, `${what} failed`);
    }
  };
  if (drain) await step('drain', () => node.drain());
  await step('stop', () => node.stop());
  close();
  await redis.quit().catch(() => {});
  clearTimeout(force);
  log.info({ code }, 'stopped');
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown('SIGTERM', true));
process.on('SIGINT', () => void shutdown('SIGINT', false));
