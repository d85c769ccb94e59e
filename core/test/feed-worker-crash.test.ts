// A fan-out worker SIGKILLed in the middle of a post's fan-out: the broker redelivers the
// unacked message to a new worker, which finishes the job without duplicating anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline, type Worker } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { buildEmptyFeed, bulkFollow, bulkUsers, createPost } from './feed-support.ts';

const FOLLOWERS = 3000;

let p: Pipeline;
let author: Client & { userId: string };
let followers: string[];

beforeAll(async () => {
  // Threshold above the follower count: the author is fanned out on write.
  p = await startPipeline({ FANOUT_BATCH: '50', CELEBRITY_THRESHOLD: '10000' });
  author = await new Client(p.url).signUp();
  followers = await bulkUsers(p, FOLLOWERS);
  await bulkFollow(p, followers, author.userId);
  // Every follower is "recently connected": an open event log and a built (empty) feed.
  for (let i = 0; i < followers.length; i += 200) {
    await Promise.all(
      followers.slice(i, i + 200).map(async (id) => {
        await p.cache.logs.open(id);
        await buildEmptyFeed(p, id);
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  await p?.close();
}, 60_000);

/** How many followers have the post in their cached feed. */
async function reached(postId: string): Promise<number> {
  const pipeline = p.redis.pipeline();
  for (const id of followers) pipeline.zscore(p.cache.keys.feed(id), postId);
  const replies = (await pipeline.exec()) ?? [];
  return replies.filter(([err, score]) => !err && score !== null).length;
}

describe('a worker killed mid-fan-out', () => {
  it('is replaced, and every follower ends up with the post exactly once in feed and log', async () => {
    let worker: Worker = await p.startWorker();
    let postId = '';
    let partial = 0;
    // The kill must land while the fan-out is under way; if a run finishes before the kill,
    // try again with another post (each attempt is a valid check of redelivery anyway).
    for (let attempt = 1; attempt <= 5 && partial === 0; attempt++) {
      postId = await createPost(author, `crash test ${attempt}`);
      await waitFor('the fan-out to start', async () => (await reached(postId)) > 0, 30_000, 2);
      await worker.kill('SIGKILL');
      const count = await reached(postId);
      if (count < FOLLOWERS) partial = count;
      worker = await p.startWorker();
      if (partial === 0) await waitFor('the attempt to finish', async () => (await reached(postId)) === FOLLOWERS, 60_000, 100);
    }
    if (process.env.TEST_VERBOSE) console.info(`killed with ${partial}/${FOLLOWERS} followers reached`);
    expect(partial, 'the worker was killed before the fan-out finished').toBeGreaterThan(0);
    expect(partial).toBeLessThan(FOLLOWERS);

    await waitFor('every follower to have the post', async () => (await reached(postId)) === FOLLOWERS, 90_000, 200);

    // Exactly once: the feed is a set (check its size), the log holds one post.created.
    const pipeline = p.redis.pipeline();
    for (const id of followers) pipeline.zcard(p.cache.keys.feed(id));
    const sizes = new Set(((await pipeline.exec()) ?? []).map(([, n]) => n));
    expect(sizes.size).toBe(1); // every follower has the same posts (marker + the attempts' posts)
    const problems: string[] = [];
    for (let i = 0; i < followers.length; i += 100) {
      await Promise.all(
        followers.slice(i, i + 100).map(async (id) => {
          const epoch = await p.cache.logs.open(id);
          const log = await p.cache.logs.readAfter(id, epoch, '0-0');
          if (log.status !== 'ok') return void problems.push(`${id}: log ${log.status}`);
          const created = log.entries.map((e) => JSON.parse(e.payload)).filter((e) => e.type === 'post.created' && e.postId === postId);
          if (created.length !== 1) problems.push(`${id}: ${created.length} post.created entries`);
          const page = await p.cache.feeds.page(id, 0, 100);
          if (page?.ids.filter((x) => x === postId).length !== 1) problems.push(`${id}: feed ${JSON.stringify(page?.ids)}`);
        }),
      );
    }
    expect(problems.slice(0, 10)).toEqual([]);

    // The message was acked in the end: nothing left in the queue.
    await waitFor(
      'the fan-out queue to drain',
      async () => {
        const conn = await import('amqplib').then((m) => m.default.connect(p.config.AMQP_URL));
        try {
          const ch = await conn.createChannel();
          const q = await ch.checkQueue(p.names.fanoutQueue);
          return q.messageCount === 0;
        } finally {
          await conn.close().catch(() => {});
        }
      },
      30_000,
      200,
    );
  }, 300_000);
});
