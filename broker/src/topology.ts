// Every exchange and queue of the feed pipeline, declared here and nowhere else (idempotent:
// each service declares what it uses on every connect, so any of them may start first).
//   posts (topic)      domain events from the outbox relay, routing key = event type
//   fanout (quorum)    the workers' competing queue, bound to posts with '#'
//   fanout.dlx/.dead   where a message that cannot be handled is parked
//   gateways (direct)  live events, routing key gw.<id>
//   gw.<id>            each gateway's own queue
import type { Channel } from 'amqplib';
import type { Topology } from '@feed/contracts';

/** Where domain events are published (the relay) and requested (a gateway's celebrity-follows request). */
export async function declareDomainExchange(channel: Channel, names: Topology): Promise<void> {
  await channel.assertExchange(names.domainExchange, 'topic', { durable: true });
}

/** Where the worker publishes live events for gateways. */
export async function declareGatewayExchange(channel: Channel, names: Topology): Promise<void> {
  await channel.assertExchange(names.gatewayExchange, 'direct', { durable: true });
}

/**
 * The fan-out queue with its dead-letter queue, and both exchanges. `deliveryLimit` is the
 * retry policy's: a message redelivered more often is dead-lettered.
 */
export async function declareFanout(channel: Channel, names: Topology, deliveryLimit: number): Promise<void> {
  await declareDomainExchange(channel, names);
  await declareGatewayExchange(channel, names);
  await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(names.deadLetterQueue, names.deadLetterExchange, '');
  await channel.assertQueue(names.fanoutQueue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum', // replicated across a cluster; survives a node's loss
      'x-dead-letter-exchange': names.deadLetterExchange,
      'x-delivery-limit': deliveryLimit, // a message that keeps failing or crashing workers is parked, not retried forever
    },
  });
  await channel.bindQueue(names.fanoutQueue, names.domainExchange, '#');
}

export interface GatewayQueueSettings {
  /** The queue is deleted once its gateway has been gone this long. */
  expiresMs: number;
  /** Messages it holds at most; the oldest are dropped first (a client that misses events resumes from its log). */
  maxLength: number;
}

/**
 * A gateway's own queue, and the exchanges it touches (it consumes live events and publishes
 * requests to the worker). Not exclusive, so it survives a reconnect with what arrived
 * meanwhile; not durable: it lives on the node it was declared from. Binding it is the
 * gateway's routing's job. Returns the queue's name.
 */
export async function declareGatewayQueue(channel: Channel, names: Topology, gatewayId: string, settings: GatewayQueueSettings): Promise<string> {
  await declareGatewayExchange(channel, names);
  await declareDomainExchange(channel, names);
  const queue = names.gatewayQueue(gatewayId);
  await channel.assertQueue(queue, {
    durable: false,
    arguments: { 'x-expires': settings.expiresMs, 'x-max-length': settings.maxLength, 'x-overflow': 'drop-head' },
  });
  return queue;
}
