// The retry policy on a real worker and a real quorum queue: a message whose handling always
// fails (the worker's Postgres is a database that does not exist) is tried as often as
// worstCase() says, then parked in the dead-letter queue by the queue's delivery limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { worstCase, type RetryPolicy } from '../src/fanout/retry-policy.ts';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { launch, type StackProcess } from '../../test/support/launcher.ts';
import { waitFor } from '../../test/support/ports.ts';

// Small, so the whole policy runs out in about a second.
const policy: RetryPolicy = { delayMs: 100, inPlaceAttempts: 2, inPlaceMs: 0, deliveryLimit: 1 };

let p: Pipeline;
let worker: StackProcess | undefined;
let conn: amqp.ChannelModel;
let ch: amqp.ConfirmChannel;

beforeAll(async () => {
  p = await startPipeline();
  worker = await launch('worker', 'worker', {
    env: {
      ...p.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/feed_no_such_database',
      FANOUT_RETRY_DELAY_MS: String(policy.delayMs),
      FANOUT_RETRY_ATTEMPTS: String(policy.inPlaceAttempts),
      FANOUT_RETRY_IN_PLACE_MS: String(policy.inPlaceMs),
      FANOUT_DELIVERY_LIMIT: String(policy.deliveryLimit),
    },
  });
  await waitFor('the worker to consume', async () => (await p.consumers().catch(() => 0)) > 0 || !worker!.running, 30_000, 100);
  if (!worker.running) throw new Error(`worker exited: ${worker.output()}`);
  conn = await amqp.connect(p.config.AMQP_URL);
  ch = await conn.createConfirmChannel();
}, 120_000);

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await conn?.close().catch(() => {});
  await p?.close();
}, 60_000);

describe('the fan-out retry policy on a real queue', () => {
  it('tries a failing message as often as worstCase() says, then dead-letters it at the delivery limit', async () => {
    const event = { type: 'post.created', postId: '123456789', authorId: '987654321', text: 'never fanned out', createdAt: new Date().toISOString() };
    ch.publish(p.names.domainExchange, 'post.created', Buffer.from(JSON.stringify(event)), { messageId: '910000001', persistent: true, contentType: 'application/json' });
    await ch.waitForConfirms();

    const dead = await waitFor('the message in the dead-letter queue', async () => (await ch.get(p.names.deadLetterQueue, { noAck: true })) || undefined, 60_000, 100);
    expect(JSON.parse(dead.content.toString('utf8'))).toEqual(event);
    const death = (dead.properties.headers?.['x-death'] as { reason: string; queue: string }[] | undefined)?.[0];
    expect(death).toMatchObject({ reason: 'delivery_limit', queue: p.names.fanoutQueue });

    // Every try logged its failure: the tries per delivery, for each delivery the limit allows.
    const tries = worker!
      .output()
      .split('\n')
      .filter((line) => line.includes('fan-out failed; will retry') && line.includes('"messageId":"910000001"'));
    expect(tries).toHaveLength(worstCase(policy).tries);
    expect(worstCase(policy)).toMatchObject({ triesPerDelivery: 2, deliveries: 2, tries: 4 });
  }, 90_000);
});
