// The RabbitMQ connection: amqplib's own recovery reconnects with exponential backoff and
// jitter, and runs `setup` after every (re)connect so channels, topology and consumers come back.
// `url` may list several nodes of a cluster, comma-separated: each reconnect attempt then goes
// to the next node of the list (see `failover` in contracts), so losing the node we were on
// costs one reconnect, not an outage.
import amqp, { type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { failover, redactAmqpUrl, type Topology } from '@feed/contracts';
import type { Logger } from './log.ts';
import { defaultRetryPolicy, type RetryPolicy } from './fanout/retry-policy.ts';

export type { Channel, ChannelModel, RecoveringChannelModel };

export async function connectBroker(
  url: string,
  log: Logger,
  setup: (model: ChannelModel) => Promise<void>,
): Promise<RecoveringChannelModel> {
  const nodes = failover(url);
  const connection = await amqp.connect(nodes.target, {
    // amqplib leaves Nagle's algorithm on: a publish (three small frames) then waited for the
    // broker's delayed ACK, ~40 ms per fan-out at low load (measured in bench:load).
    noDelay: true,
    recovery: { initialDelay: 200, maxDelay: 5_000, factor: 2, jitter: 0.3, waitForConnect: false, setup },
  });
  connection.on('connect', () => log.info({ url: redactAmqpUrl(nodes.current) }, 'broker connected'));
  connection.on('disconnect', (err: Error) => log.warn({ err: err?.message }, 'broker disconnected'));
  connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) => {
    nodes.next(); // the attempt this schedules goes to the next node of the list (same URL when there is one)
    log.info({ attempt, delay, url: redactAmqpUrl(nodes.current) }, 'broker reconnect scheduled');
  });
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'broker error'));
  return connection;
}

/**
 * Declares every exchange and queue of the feed pipeline (idempotent). The fan-out queue's
 * delivery limit is the retry policy's: a message redelivered more often is dead-lettered.
 */
export async function declareTopology(channel: Channel, names: Topology, retry: Pick<RetryPolicy, 'deliveryLimit'> = defaultRetryPolicy): Promise<void> {
  await channel.assertExchange(names.domainExchange, 'topic', { durable: true });
  await channel.assertExchange(names.gatewayExchange, 'direct', { durable: true });
  await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(names.deadLetterQueue, names.deadLetterExchange, '');
  await channel.assertQueue(names.fanoutQueue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum', // replicated across a cluster; survives a node's loss
      'x-dead-letter-exchange': names.deadLetterExchange,
      'x-delivery-limit': retry.deliveryLimit, // a message that keeps failing or crashing workers is parked, not retried forever
    },
  });
  await channel.bindQueue(names.fanoutQueue, names.domainExchange, '#');
}
