import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({ CELEBRITY_THRESHOLD: '3' });
  await p.startWorker();
});
afterAll(() => p?.close());

async function feedIds(user: Client): Promise<string[]> {
  const res = await user.get('/post/feed?limit=100');
  expect(res.status).toBe(200);
  return res.body.map((post: { id: string }) => post.id);
}

describe('the feed pipeline', () => {
  it("puts a post into every follower's cached feed and event log", async () => {
    const anon = new Client(p.url);
    const author = await anon.signUp();
    const followers = await Promise.all([1, 2].map(() => anon.signUp()));
    const stranger = await anon.signUp();
    for (const f of followers) {
      expect((await f.put(`/friend/set/${author.userId}`)).status).toBe(200);
      await p.cache.logs.open(f.userId);
      expect(await feedIds(f)).toEqual([]); // builds the (empty) cached feed
    }
    await p.cache.logs.open(stranger.userId);

    const postId: string = (await author.post('/post/create', { text: 'hello followers' })).body;
    for (const f of followers) {
      await waitFor('the post in the cached feed', async () => (await p.cache.feeds.page(f.userId, 0, 10))?.ids.includes(postId));
      expect(await feedIds(f)).toEqual([postId]);
      const epoch = await p.cache.logs.open(f.userId);
      const log = await p.cache.logs.readAfter(f.userId, epoch, '0-0');
      expect(log.status).toBe('ok');
      if (log.status === 'ok') {
        // Follow notices land in the log too, in whatever order the worker finished them.
        const postEvents = log.entries.map((e) => JSON.parse(e.payload)).filter((e) => e.type.startsWith('post.'));
        expect(postEvents).toEqual([{ type: 'post.created', postId, authorId: author.userId, text: 'hello followers' }]);
      }
    }
    const strangerLog = await p.cache.logs.readAfter(stranger.userId, await p.cache.logs.open(stranger.userId), '0-0');
    expect(strangerLog.status === 'ok' && strangerLog.entries).toEqual([]);
    expect(await feedIds(stranger)).toEqual([]);
  });

  it('times a post at each hop of the API process: committed, read by the relay, published', async () => {
    const anon = new Client(p.url);
    const author = await anon.signUp();
    const follower = await anon.signUp();
    expect((await follower.put(`/friend/set/${author.userId}`)).status).toBe(200);
    expect(await feedIds(follower)).toEqual([]); // builds the (empty) cached feed
    const postCount = async () => {
      const metrics: string = (await anon.get<string>('/metrics')).body;
      const counts = new Map([...metrics.matchAll(/^feed_pipeline_age_seconds_count\{hop="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
      return ['post committed', 'relay read', 'relay published'].map((hop) => counts.get(hop) ?? 0);
    };
    const before = await postCount();
    const postId: string = (await author.post('/post/create', { text: 'timed' })).body;
    const timed = async () => (await postCount()).map((n, i) => n - before[i]!);
    // The relay's confirm may come after the worker has already written the feed: wait for it.
    await waitFor('the post timed at the three hops', async () => (await timed()).every((n) => n > 0));
    await waitFor('the post in the cached feed', async () => (await p.cache.feeds.page(follower.userId, 0, 10))?.ids.includes(postId));
    expect(await timed()).toEqual([1, 1, 1]);
  });
});
