// The one declaration of the pipeline's exchanges and queues, against the real RabbitMQ, under
// names of the test's own: declaring twice changes nothing, a domain event reaches the fan-out
// queue, a gateway's queue carries its bounds, and a connection whose first node is down
// reaches the next one of the list.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '@feed/contracts';
import { connectBroker, declareFanout, declareGatewayQueue, type Channel, type RecoveringChannelModel } from '../src/index.ts';
import { waitFor } from '../../test/support/ports.ts';

const URL = 'amqp://guest:guest@127.0.0.1:5672';
const names = topology(`test.${randomBytes(4).toString('hex')}.`);
const quiet = { info: () => {}, warn: () => {} };
let connection: RecoveringChannelModel;
let channel: Channel;

beforeAll(async () => {
  connection = await connectBroker(URL, quiet, async () => {});
  await connection.waitForConnect();
  channel = await connection.createChannel();
});

afterAll(async () => {
  for (const q of [names.fanoutQueue, names.deadLetterQueue, names.gatewayQueue('g1')]) await channel.deleteQueue(q).catch(() => {});
  for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await channel.deleteExchange(x).catch(() => {});
  await connection.close();
});

describe('the pipeline topology', () => {
  it('is declared idempotently, and a domain event lands in the fan-out queue', async () => {
    await declareFanout(channel, names, 10);
    await declareFanout(channel, names, 10);
    channel.publish(names.domainExchange, 'post.created', Buffer.from('{}'));
    await waitFor('the event in the fan-out queue', async () => (await channel.checkQueue(names.fanoutQueue)).messageCount === 1);
  });

  it("declares a gateway's queue with its expiry and length bound, once bound receiving its routing key", async () => {
    const queue = await declareGatewayQueue(channel, names, 'g1', { expiresMs: 60_000, maxLength: 2 });
    expect(queue).toBe(names.gatewayQueue('g1'));
    await channel.bindQueue(queue, names.gatewayExchange, names.gatewayRoutingKey('g1'));
    for (const n of [1, 2, 3]) channel.publish(names.gatewayExchange, names.gatewayRoutingKey('g1'), Buffer.from(String(n)));
    // Bounded at two, oldest dropped first.
    await waitFor('two messages kept', async () => (await channel.checkQueue(queue)).messageCount === 2);
    const first = await channel.get(queue, { noAck: true });
    expect(first && first.content.toString()).toBe('2');
  });

  it('connects through the next node of the list when the first is down', async () => {
    const other = await connectBroker(`amqp://guest:guest@127.0.0.1:1,${URL}`, quiet, async () => {});
    try {
      await other.waitForConnect();
      const ch = await other.createChannel();
      expect((await ch.checkQueue(names.fanoutQueue)).queue).toBe(names.fanoutQueue);
    } finally {
      await other.close();
    }
  });
});
