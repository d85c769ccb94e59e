// Redis lost (every key of this deployment deleted): feeds, post bodies and celebrity timelines
// come back from Postgres on the next read, identical to before; concurrent readers of one
// missing feed all get the same, correct answer from a single rebuild.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { cachedIds, createPost, feed, feedIds, flushPipelineKeys, truthIds, type FeedPost } from './feed-support.ts';
import { scanKeys } from '@feed/cache';

let p: Pipeline;
let anon: Client;
type User = Client & { userId: string };
let authors: User[];
let celebrity: User;
let readers: User[];

beforeAll(async () => {
  p = await startPipeline({ CELEBRITY_THRESHOLD: '3' });
  await p.startWorker();
  anon = new Client(p.url);
  authors = [await anon.signUp(), await anon.signUp()];
  celebrity = await anon.signUp();
  readers = await Promise.all([1, 2, 3, 4].map(() => anon.signUp()));
  // Every reader follows the celebrity (4 followers > 3); readers follow one or both authors.
  for (const [i, r] of readers.entries()) {
    expect((await r.put(`/friend/set/${celebrity.userId}`)).status).toBe(200);
    for (const a of i % 2 === 0 ? authors : [authors[i % 2]!]) expect((await r.put(`/friend/set/${a.userId}`)).status).toBe(200);
    await p.cache.logs.open(r.userId);
    await feed(r);
  }
  const made: string[][] = [[], []];
  for (let i = 0; i < 8; i++) {
    made[i % 2]!.push(await createPost(authors[i % 2]!, `author post ${i}`));
    if (i % 3 === 0) await createPost(celebrity, `celebrity post ${i}`);
  }
  expect((await authors[0]!.put('/post/update', { id: made[0]![0], text: 'edited before the loss' })).status).toBe(200);
  expect((await authors[1]!.put(`/post/delete/${made[1]![1]}`)).status).toBe(200);
  // Let the pipeline settle: every reader's feed equals the truth and shows the edit.
  for (const r of readers) {
    await waitFor(
      `reader ${r.userId}'s feed to settle`,
      async () => {
        const got = await feed(r);
        return JSON.stringify(got.map((x) => x.id)) === JSON.stringify(await truthIds(p, r.userId)) && !got.some((x) => x.text === 'author post 0');
      },
      30_000,
    );
  }
}, 120_000);

afterAll(async () => {
  await p?.close();
}, 60_000);

const PAGES = [
  [0, 100],
  [0, 3],
  [2, 4],
  [5, 100],
  [1000, 10],
] as const;

async function answers(r: User): Promise<FeedPost[][]> {
  return Promise.all(PAGES.map(([offset, limit]) => feed(r, offset, limit)));
}

async function keyCount(): Promise<number> {
  let n = 0;
  for await (const keys of scanKeys(p.redis, `${p.config.REDIS_PREFIX}*`)) n += keys.length;
  return n;
}

describe('Redis lost', () => {
  it('every feed answer comes back identical, rebuilt from Postgres', async () => {
    const before = await Promise.all(readers.map(answers));
    for (const [i, r] of readers.entries()) {
      expect(before[i]![0]!.map((x) => x.id)).toEqual(await truthIds(p, r.userId));
      expect(before[i]![0]!.some((x) => x.author_user_id === celebrity.userId)).toBe(true);
    }
    expect(await keyCount()).toBeGreaterThan(0);

    expect(await flushPipelineKeys(p)).toBeGreaterThan(0);
    expect(await keyCount()).toBe(0);
    for (const r of readers) expect(await cachedIds(p, r.userId)).toBeNull();

    const after = await Promise.all(readers.map(answers));
    expect(after).toEqual(before);
    // The feeds are cached again (rebuilt from Postgres, so with the celebrity's posts too).
    for (const [i, r] of readers.entries()) expect(await cachedIds(p, r.userId)).toEqual(before[i]![0]!.map((x) => x.id));
  });

  it('50 concurrent readers of one lost feed all get the same, correct answer', async () => {
    const r = readers[0]!;
    const expected = await feed(r, 0, 100);
    expect(expected.length).toBeGreaterThan(5);
    await flushPipelineKeys(p);
    const replies = await Promise.all(Array.from({ length: 50 }, () => r.get('/post/feed?offset=0&limit=100')));
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(expected);
    }
    // One rebuild left one feed and no lock or pending set behind.
    expect(await cachedIds(p, r.userId)).not.toBeNull();
    expect(await p.redis.exists(p.cache.keys.feedLock(r.userId), p.cache.keys.feedPending(r.userId))).toBe(0);
    // Concurrent first readers of other users' lost feeds, mixed pages.
    const mixed = await Promise.all(readers.flatMap((u) => Array.from({ length: 10 }, (_, i) => feed(u, i % 3, 5).then((got) => ({ u, i, got })))));
    for (const { u, i, got } of mixed) expect(got.map((x) => x.id)).toEqual((await truthIds(p, u.userId)).slice(i % 3, (i % 3) + 5));
  });

  it('after the loss, new posts of ordinary authors and celebrities reach the rebuilt feeds', async () => {
    await flushPipelineKeys(p);
    const r = readers[0]!; // follows both authors and the celebrity
    expect(await feedIds(r)).toEqual(await truthIds(p, r.userId)); // rebuilds
    const ordinary = await createPost(authors[0]!, 'after the loss');
    const famous = await createPost(celebrity, 'celebrity after the loss');
    await waitFor(
      'both new posts in the feed',
      async () => {
        const ids = await feedIds(r, 0, 2);
        return ids.includes(ordinary) && ids.includes(famous);
      },
      30_000,
    );
    expect(await feedIds(r)).toEqual(await truthIds(p, r.userId));
    expect(await cachedIds(p, r.userId)).toContain(ordinary);
    expect(await cachedIds(p, r.userId)).not.toContain(famous);
    // A reader whose feed was not rebuilt yet gets it from Postgres, with both posts.
    const other = readers[2]!;
    expect(await feedIds(other)).toEqual(await truthIds(p, other.userId));
  });
});
