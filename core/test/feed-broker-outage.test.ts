// RabbitMQ down while a post is written: the API still answers, the post waits in the outbox,
// and once the broker is back the relay and the worker reconnect by themselves and deliver it.
// Runs against a private RabbitMQ node so that stopping it touches nobody else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { RabbitNode } from '../../test/support/rabbit-node.ts';
import { cachedIds, createPost, feed, feedIds, logEvents } from './feed-support.ts';

let node: RabbitNode | undefined;
let p: Pipeline | undefined;

beforeAll(async () => {
  node = await RabbitNode.start();
  p = await startPipeline({ AMQP_URL: node.url });
  await p.startWorker();
}, 180_000);

afterAll(async () => {
  // The node must come down even when the pipeline does not close cleanly.
  try {
    await node?.startApp().catch(() => {}); // lets close() delete its queues if a test left it stopped
    await p?.close();
  } finally {
    await node?.stop();
  }
}, 120_000);

async function outboxRow(postId: string): Promise<{ published_at: Date | null } | undefined> {
  const { rows } = await p!.db.query<{ published_at: Date | null }>(`SELECT published_at FROM outbox WHERE event_type = 'post.created' AND payload->>'postId' = $1`, [postId]);
  return rows[0];
}

describe('RabbitMQ stopped while a post is written', () => {
  it('the post waits in the outbox and reaches the feed once the broker is back', async () => {
    const pipeline = p!;
    const anon = new Client(pipeline.url);
    const author = await anon.signUp();
    const follower = await anon.signUp();
    expect((await follower.put(`/friend/set/${author.userId}`)).status).toBe(200);
    await pipeline.cache.logs.open(follower.userId);
    await feed(follower);
    // Sanity: the pipeline works through the private node.
    const first = await createPost(author, 'before the outage');
    await waitFor('the first post in the feed', async () => (await feedIds(follower)).includes(first), 30_000);

    await node!.stopApp();
    const second = await createPost(author, 'written while the broker is down');
    // Accepted and pending. Had the relay marked it sent while the broker was down, it would be
    // lost: the checks after the recovery (in the feed, once, in order) are what prove it was not.
    expect((await outboxRow(second))?.published_at).toBeNull();
    expect(await feedIds(follower)).toEqual([first]);
    // Reads and other writes keep working meanwhile.
    expect((await anon.get(`/post/get/${second}`)).status).toBe(200);

    await node!.startApp();
    await waitFor('the post in the feed after the broker is back', async () => (await feedIds(follower))[0] === second, 90_000, 200);
    expect(await feedIds(follower)).toEqual([second, first]);
    expect(await cachedIds(pipeline, follower.userId)).toEqual([second, first]);
    expect((await outboxRow(second))?.published_at).toBeInstanceOf(Date);
    const created = (await logEvents(pipeline, follower.userId)).filter((e) => e.type === 'post.created');
    expect(created.map((e) => e.postId)).toEqual([first, second]);

    // And the pipeline keeps flowing after the recovery.
    const third = await createPost(author, 'after the outage');
    await waitFor('a post made after the recovery', async () => (await feedIds(follower))[0] === third, 30_000);
  }, 180_000);
});
