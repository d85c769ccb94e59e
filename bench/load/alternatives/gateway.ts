// Our gateway (same sessions, transports, hub, replay) with another queue binding, by ALT_MODE:
//   broadcast  the gateway's queue is bound to a fanout exchange: it receives every event and
//              keeps the recipients it holds (the hub skips users it does not have)
//   per-user   the queue is bound with routing key u.<user> for each user held here: bound
//              when the user's first session opens, unbound when the last one closes
import { once } from 'node:events';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createCache } from '@feed/cache';
import { loadConfig } from '../../../gateway/src/config.ts';
import { createMetrics } from '../../../gateway/src/metrics.ts';
import { GatewayNode } from '../../../gateway/src/node.ts';
import { createGatewayServer } from '../../../gateway/src/server.ts';
import type { Session } from '../../../gateway/src/session.ts';

const mode = process.env.ALT_MODE ?? 'broadcast';
const config = loadConfig();
const log = pino({ name: 'alt-gateway', level: config.LOG_LEVEL, base: { gateway: config.GATEWAY_ID } });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const cache = createCache(redis, { prefix: config.REDIS_PREFIX, logMaxLength: config.EVENT_LOG_LENGTH, logTtlSeconds: config.EVENT_LOG_TTL_SECONDS });
const metrics = createMetrics(config.GATEWAY_ID);
const node = new GatewayNode(config, cache, metrics, log);
const broadcastExchange = `${config.AMQP_PREFIX}broadcast`;
const usersExchange = `${config.AMQP_PREFIX}users`;

// The broker keeps its queue, consumer and reconnects; only what the queue is bound to changes.
const broker = node.broker as unknown as {
  queue: string;
  up: boolean;
  handle(msg: ConsumeMessage): void;
  setup(model: ChannelModel): Promise<void>;
};
let channel: Channel | undefined;
broker.setup = async (model: ChannelModel) => {
  channel = await model.createChannel();
  channel.on('error', (err: Error) => log.warn({ err: err.message }, 'channel error'));
  await channel.assertQueue(broker.queue, { durable: false, arguments: { 'x-expires': config.QUEUE_EXPIRES_MS, 'x-max-length': config.QUEUE_MAX_LENGTH, 'x-overflow': 'drop-head' } });
  if (mode === 'broadcast') {
    await channel.assertExchange(broadcastExchange, 'fanout', { durable: false });
    await channel.bindQueue(broker.queue, broadcastExchange, '');
  } else {
    await channel.assertExchange(usersExchange, 'direct', { durable: false });
  }
  await channel.consume(broker.queue, (msg) => msg && broker.handle(msg), { noAck: true });
  broker.up = true;
};

if (mode === 'per-user') {
  const hub = node.hub;
  const add = hub.add.bind(hub);
  const remove = hub.remove.bind(hub);
  hub.add = async (session: Session, celebrities: string[]) => {
    const first = hub.sessionCount(session.userId) === 0;
    await add(session, celebrities);
    if (first) await channel!.bindQueue(broker.queue, usersExchange, `u.${session.userId}`);
  };
  hub.remove = async (session: Session) => {
    await remove(session);
    if (hub.sessionCount(session.userId) === 0) await channel?.unbindQueue(broker.queue, usersExchange, `u.${session.userId}`).catch(() => {});
  };
}

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
