// Our fan-out worker (same consumer, same feed and event-log writes) with another live
// delivery path, chosen by ALT_MODE:
//   broadcast  one message per event to a fanout exchange every gateway is bound to
//   per-user   one message per recipient, routing key u.<user>, on a direct exchange
//   socketio   @socket.io/redis-emitter to the recipients' rooms (Redis pub/sub to every node)
import { Emitter } from '@socket.io/redis-emitter';
import { follows } from '@feed/db';
import { logEventKeys, type Delivery } from '@feed/cache';
import type { GatewayMessage, LiveEvent } from '@feed/contracts';
import { connectBroker, type ChannelModel } from '@feed/broker';
import { createLogger, createServices, FanoutConsumer, loadConfig, onShutdown, retryPolicy, serveWorkerPort, type LivePublisher } from '@feed/core';
import { alternativeTopology } from './topology.ts';

type ConfirmChannel = Awaited<ReturnType<ChannelModel['createConfirmChannel']>>;
const mode = process.env.ALT_MODE ?? 'broadcast';
const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, 'alt-worker');
const { db, redis, cache, names } = createServices(config, log);
const { broadcastExchange, usersExchange, userKey, declareBroadcast, declareUsers } = alternativeTopology(config.AMQP_PREFIX);

/** Every follower of an author (the per-user and Socket.IO paths have no per-gateway audience). */
async function followersOf(authorId: string): Promise<string[]> {
  const all: string[] = [];
  let after = '0';
  for (;;) {
    const batch = await follows.followersAfter(db, authorId, after, config.FANOUT_BATCH);
    all.push(...batch);
    if (batch.length < config.FANOUT_BATCH) return all;
    after = batch.at(-1)!;
  }
}

class AltPublisher implements LivePublisher {
  private channel: ConfirmChannel | undefined;
  private readonly emitter = mode === 'socketio' ? new Emitter(redis, { key: `${config.REDIS_PREFIX}sio` }) : undefined;

  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    if (mode === 'broadcast') await declareBroadcast(channel);
    if (mode === 'per-user') await declareUsers(channel);
    this.channel = channel;
  }

  async direct(event: LiveEvent, createdAt: number, deliveries: readonly Delivery[]): Promise<number> {
    if (deliveries.length === 0 && mode !== 'socketio') return 0;
    // With the previous log entry, as ours sends it: the gateway fills gaps the same way.
    const recipients = deliveries.map((d) => [d.userId, d.entry?.epoch ?? '', d.entry?.id ?? '', d.entry?.prev ?? ''] as [string, string, string, string]);
    if (mode === 'broadcast') {
      this.publish(broadcastExchange, '', { kind: 'direct', event, createdAt, recipients });
      await this.channel!.waitForConfirms();
    } else if (mode === 'per-user') {
      for (const r of recipients) this.publish(usersExchange, userKey(r[0]), { kind: 'direct', event, createdAt, recipients: [r] });
      await this.channel!.waitForConfirms();
    } else {
      // Socket.IO nodes keep no presence registry: emit to the room of every follower.
      if (event.type === 'post.created') this.emit(event, await followersOf(event.authorId));
    }
    return 1;
  }

  async audience(event: LiveEvent, createdAt: number, authorId: string): Promise<void> {
    if (mode === 'broadcast') {
      this.publish(broadcastExchange, '', { kind: 'audience', event, createdAt, authorId });
      await this.channel!.waitForConfirms();
      return;
    }
    const all = await followersOf(authorId);
    if (mode === 'per-user') {
      // One message per recipient, each with an entry of its own in the recipient's log, as this
      // design does for every post: a stream event needs a position of its own (clients skip an
      // id they have seen), and a reconnecting client resumes it from the log.
      const postId = 'postId' in event ? event.postId : '0';
      // A creation once per post (a redelivered one appends nothing twice); edits and deletions by their time.
      const eventKey = event.type === 'post.created' ? logEventKeys.postCreated(postId) : `${event.type}:${postId}:${createdAt}`;
      const deliveries = await cache.fanout.deliver(all, { feed: 'none', postId, eventKey, payload: JSON.stringify(event) });
      await this.direct(event, createdAt, deliveries);
    } else {
      this.emit(event, all);
    }
  }

  /** The answer to a gateway that asked for a user's celebrity follows, by this design's route. */
  async celebrityFollows(_gateway: string, userId: string, celebrities: string[]): Promise<void> {
    const message: GatewayMessage = { kind: 'celebrity-follows', userId, celebrities };
    if (mode === 'broadcast') this.publish(broadcastExchange, '', message);
    else if (mode === 'per-user') this.publish(usersExchange, userKey(userId), message);
    else return; // Socket.IO nodes route by rooms: every follower's room gets the emit
    await this.channel!.waitForConfirms();
  }

  private publish(exchange: string, routingKey: string, message: GatewayMessage): void {
    this.channel!.publish(exchange, routingKey, Buffer.from(JSON.stringify(message)), { contentType: 'application/json' });
  }

  private emit(event: LiveEvent, userIds: string[]): void {
    if (event.type !== 'post.created') return;
    this.emitter!.to(userIds.map((u) => `u:${u}`)).emit('post', { id: event.postId, text: event.text, author_user_id: event.authorId });
  }
}

const live = new AltPublisher();
const consumer = new FanoutConsumer({ db, cache, live, log, celebrityThreshold: config.CELEBRITY_THRESHOLD, batchSize: config.FANOUT_BATCH }, names, { prefetch: config.WORKER_PREFETCH, retry: retryPolicy(config) });
const broker = await connectBroker(config.AMQP_URL, log, async (model) => {
  await live.attach(model);
  await consumer.attach(model);
});
await broker.waitForConnect();
log.info({ queue: names.fanoutQueue, mode }, 'alternative worker consuming');

// The port our worker serves (the load tool reads hop ages, event-loop delay and GC there).
const server = config.WORKER_METRICS_PORT ? serveWorkerPort(config.WORKER_METRICS_PORT, config.HOST, broker) : undefined;

onShutdown(log, config.SHUTDOWN_GRACE_MS, async () => {
  server?.close();
  await consumer.stop();
  await broker.close().catch(() => {});
  await Promise.allSettled([db.end(), redis.quit()]);
});
