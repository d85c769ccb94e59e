// The RabbitMQ connection every service uses: amqplib's own recovery reconnects with
// exponential backoff and jitter, and runs `setup` after every (re)connect, so channels,
// topology and consumers come back. `url` may list several nodes of a cluster, comma-separated:
// each reconnect attempt then goes to the next node of the list (`failover` in contracts), so
// losing the node we were on costs one reconnect, not an outage.
import amqp, { type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { failover, redactAmqpUrl } from '@feed/contracts';

/** The part of a pino logger the connection reports to. */
export interface BrokerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export async function connectBroker(url: string, log: BrokerLog, setup: (model: ChannelModel) => Promise<void>): Promise<RecoveringChannelModel> {
  const nodes = failover(url);
  const connection = await amqp.connect(nodes.target, {
    // amqplib leaves Nagle's algorithm on: a publish (three small frames) then waited for the
    // broker's delayed ACK, ~40 ms per fan-out at low load (measured in bench:load).
    noDelay: true,
    recovery: { initialDelay: 200, maxDelay: 5_000, factor: 2, jitter: 0.3, waitForConnect: false, setup },
  });
  connection.on('connect', () => log.info({ url: redactAmqpUrl(nodes.current) }, 'broker connected'));
  connection.on('disconnect', (err: Error) => log.warn({ err: err?.message }, 'broker disconnected; reconnecting'));
  connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) => {
    nodes.next(); // the attempt this schedules goes to the next node of the list (same URL when there is one)
    log.info({ attempt, delay, url: redactAmqpUrl(nodes.current) }, 'broker reconnect scheduled');
  });
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'broker error'));
  return connection;
}
