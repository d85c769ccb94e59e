// Our gateway (same sessions, transports, hub, replay) with another queue binding, by ALT_MODE:
//   broadcast  the gateway's queue is bound to a fanout exchange: it receives every event and
//              keeps the recipients it holds (the hub skips users it does not have)
//   per-user   the queue is bound with routing key u.<user> for each user held here: bound
//              when the user's first session opens, unbound when the last one closes; every
//              post, a celebrity's too, arrives per recipient with its entry in their log
import { once } from 'node:events';
import type { Channel } from 'amqplib';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createCache } from '@feed/cache';
import { createGatewayServer, createMetrics, GatewayNode, loadConfig, type QueueRouting } from '@feed/gateway';
import { alternativeTopology } from './topology.ts';

const mode = process.env.ALT_MODE ?? 'broadcast';
const config = loadConfig();
const log = pino({ name: 'alt-gateway', level: config.LOG_LEVEL, base: { gateway: config.GATEWAY_ID } });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const cache = createCache(redis, { prefix: config.REDIS_PREFIX, logMaxLength: config.EVENT_LOG_LENGTH, logTtlSeconds: config.EVENT_LOG_TTL_SECONDS });
const metrics = createMetrics(config.GATEWAY_ID);
const { broadcastExchange, usersExchange, userKey, declareBroadcast, declareUsers } = alternativeTopology(config.AMQP_PREFIX);

/** Every event reaches every gateway; the hub skips the recipients it does not hold. */
const broadcast: QueueRouting = {
  async bind(channel, queue) {
    await declareBroadcast(channel);
    await channel.bindQueue(queue, broadcastExchange, '');
  },
};

/** One binding per user held here, made on their first session and dropped after their last. */
function perUser(): QueueRouting {
  let link: { channel: Channel; queue: string } | undefined;
  return {
    async bind(channel, queue) {
      await declareUsers(channel);
      link = { channel, queue };
      // After a reconnect the queue may be new: bind the users already held.
      for (const session of node.hub.sessions()) await channel.bindQueue(queue, usersExchange, userKey(session.userId));
    },
    async userArrived(userId) {
      await link?.channel.bindQueue(link.queue, usersExchange, userKey(userId));
    },
    async userLeft(userId) {
      await link?.channel.unbindQueue(link.queue, usersExchange, userKey(userId)).catch(() => {});
    },
    // Its worker writes a celebrity's post into each follower's log, as any other post.
    celebrityPosts: 'per-recipient',
  };
}

if (mode !== 'broadcast' && mode !== 'per-user') throw new Error(`ALT_MODE ${mode}: broadcast or per-user`);
const node: GatewayNode = new GatewayNode(config, cache, metrics, log, mode === 'broadcast' ? broadcast : perUser());

await node.start();
const { server, close } = createGatewayServer(node, metrics, log);
server.listen(config.PORT, config.HOST);
await once(server, 'listening');
log.info({ port: config.PORT, mode }, 'alternative gateway listening');

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  await node.stop().catch(() => {});
  close();
  await redis.quit().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
