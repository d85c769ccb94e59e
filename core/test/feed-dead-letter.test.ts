// Messages the worker cannot understand are dead-lettered at once, and do not block the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { topology } from '@feed/contracts';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { createPost, feed, feedIds, logEvents } from './feed-support.ts';

let p: Pipeline;
let conn: amqp.ChannelModel;
let ch: amqp.ConfirmChannel;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker(); // declares the topology
  conn = await amqp.connect(p.config.AMQP_URL);
  ch = await conn.createConfirmChannel();
}, 120_000);

afterAll(async () => {
  await conn?.close().catch(() => {});
  await p?.close();
}, 60_000);

async function queueDepth(queue: string): Promise<number> {
  return (await ch.checkQueue(queue)).messageCount;
}

/** Takes every message off the dead-letter queue (and acks it). */
async function drainDeadLetters(queue: string): Promise<amqp.GetMessage[]> {
  const got: amqp.GetMessage[] = [];
  for (;;) {
    const msg = await ch.get(queue, { noAck: false });
    if (!msg) return got;
    got.push(msg);
    ch.ack(msg);
  }
}

describe('dead letters', () => {
  it('a malformed and an unknown message land in the dead-letter queue; a valid post still goes through', async () => {
    const names = topology(p.env.AMQP_PREFIX);
    expect(names.domainExchange).toBe(p.names.domainExchange);
    const anon = new Client(p.url);
    const author = await anon.signUp();
    const follower = await anon.signUp();
    expect((await follower.put(`/friend/set/${author.userId}`)).status).toBe(200);
    await p.cache.logs.open(follower.userId);
    expect(await feedIds(follower)).toEqual([]);

    const bodies = {
      notJson: 'this is {not json',
      unknownType: JSON.stringify({ type: 'post.liked', postId: '1', authorId: author.userId }),
      badFields: JSON.stringify({ type: 'post.created', postId: 'abc', authorId: author.userId, text: 'x', createdAt: 'now' }),
    };
    ch.publish(names.domainExchange, 'post.created', Buffer.from(bodies.notJson), { messageId: '900000001', persistent: true });
    ch.publish(names.domainExchange, 'post.liked', Buffer.from(bodies.unknownType), {
      messageId: '900000002',
      persistent: true,
      contentType: 'application/json',
    });
    ch.publish(names.domainExchange, 'post.created', Buffer.from(bodies.badFields), {
      messageId: '900000003',
      persistent: true,
      contentType: 'application/json',
    });
    await ch.waitForConfirms();

    await waitFor('three dead letters', async () => (await queueDepth(names.deadLetterQueue)) >= 3, 30_000, 100);
    const dead = await drainDeadLetters(names.deadLetterQueue);
    expect(dead.map((m) => m.content.toString('utf8')).sort()).toEqual(Object.values(bodies).sort());
    for (const m of dead) {
      const death = (m.properties.headers?.['x-death'] as { reason: string; queue: string }[] | undefined)?.[0];
      expect(death?.reason).toBe('rejected');
      expect(death?.queue).toBe(names.fanoutQueue);
    }

    // The queue is not blocked: a real post after the bad ones reaches the follower.
    const postId = await createPost(author, 'after the garbage');
    await waitFor('the valid post in the feed', async () => (await feedIds(follower)).includes(postId), 30_000);
    expect(await feed(follower)).toEqual([{ id: postId, text: 'after the garbage', author_user_id: author.userId }]);
    const postEvents = (await logEvents(p, follower.userId)).filter((e) => e.type.startsWith('post.'));
    expect(postEvents).toEqual([{ type: 'post.created', postId, authorId: author.userId, text: 'after the garbage' }]);
    await waitFor('the fan-out queue to be empty', async () => (await queueDepth(names.fanoutQueue)) === 0, 30_000, 100);
    expect(await queueDepth(names.deadLetterQueue)).toBe(0);
    // The worker survived the garbage.
    expect(p.workers[0]!.process.exitCode).toBeNull();
  });
});
