// Feed pages across the 1000-post boundary of the cached feed: pages the cache holds, pages
// straddling it and pages beyond it must all agree with Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { cachedIds, createPost, feed, feedIds, truthIds } from './feed-support.ts';

let p: Pipeline;
let anon: Client;
type User = Client & { userId: string };
let reader: User;
let authors: User[];
let stranger: User;

const TOTAL = 1100;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  anon = new Client(p.url);
  authors = [await anon.signUp(), await anon.signUp()];
  stranger = await anon.signUp();
  reader = await anon.signUp();
  // The reader's log exists before the follows (as a stream opened first would make it), so the
  // worker appends both follow events to it: an event for a user with no log is not kept.
  await p.cache.logs.open(reader.userId);
  for (const a of authors) expect((await reader.put(`/friend/set/${a.userId}`)).status).toBe(200);
  // Wait until the follow events are handled, so they cannot land after the bulk insert.
  await feed(reader);
  await waitFor(
    'both follows handled',
    async () => {
      const epoch = await p.cache.logs.open(reader.userId);
      const log = await p.cache.logs.readAfter(reader.userId, epoch, '0-0');
      return log.status === 'ok' && log.entries.length === 2;
    },
    30_000,
  );
  // Bulk history straight into Postgres (interleaved authors), plus a stranger's noise.
  await p.db.query(
    `INSERT INTO posts (author_id, text)
     SELECT CASE WHEN g % 3 = 0 THEN $2::bigint WHEN g % 7 = 0 THEN $3::bigint ELSE $1::bigint END, 'bulk post ' || g
       FROM generate_series(1, $4::int) g`,
    [authors[0]!.userId, authors[1]!.userId, stranger.userId, TOTAL + Math.floor(TOTAL / 7)],
  );
  // A few deleted ones, which nobody may see.
  await p.db.query(
    `UPDATE posts SET deleted_at = now() WHERE id IN (
       SELECT id FROM posts WHERE author_id = $1 ORDER BY id DESC OFFSET 10 LIMIT 5)`,
    [authors[0]!.userId],
  );
  await p.cache.feeds.drop(reader.userId); // rebuilt from Postgres on the next read
}, 120_000);

afterAll(async () => {
  await p?.close();
}, 60_000);

async function expectPage(offset: number, limit: number, truth: string[]): Promise<void> {
  const got = await feedIds(reader, offset, limit);
  expect(got, `offset ${offset} limit ${limit}`).toEqual(truth.slice(offset, offset + limit));
}

describe('feed pages across the cache boundary', () => {
  it('the history is big enough to cross the boundary', async () => {
    const truth = await truthIds(p, reader.userId);
    expect(truth.length).toBeGreaterThan(1050);
    expect(truth.length).toBeLessThan(1200);
  });

  it('pages of 100 walk the whole feed, in Postgres order, newest first', async () => {
    const truth = await truthIds(p, reader.userId);
    const all: string[] = [];
    for (let offset = 0; offset < truth.length + 100; offset += 100) {
      const page = await feedIds(reader, offset, 100);
      expect(page, `offset ${offset}`).toEqual(truth.slice(offset, offset + 100));
      all.push(...page);
    }
    expect(all).toEqual(truth);
    // The read rebuilt the cached feed: exactly the newest 1000.
    expect(await cachedIds(p, reader.userId)).toEqual(truth.slice(0, 1000));
    expect((await p.cache.feeds.page(reader.userId, 0, 1))?.truncated).toBe(true);
    const bodies = await feed(reader, 0, 3);
    for (const post of bodies) expect(post.text).toMatch(/^bulk post \d+$/);
    expect(authors.map((a) => a.userId)).toContain(bodies[0]!.author_user_id);
  });

  it('pages of 7 walk the whole feed too', async () => {
    const truth = await truthIds(p, reader.userId);
    const all: string[] = [];
    for (let offset = 0; offset < truth.length + 7; offset += 7) all.push(...(await feedIds(reader, offset, 7)));
    expect(all).toEqual(truth);
  });

  it('pages straddling and beyond the boundary', async () => {
    const truth = await truthIds(p, reader.userId);
    for (const [offset, limit] of [
      [990, 20],
      [995, 5],
      [999, 1],
      [1000, 1],
      [993, 10],
      [0, 1],
      [truth.length - 3, 10],
      [truth.length, 10],
      [truth.length + 1, 100],
      [5000, 10],
      [999_999_999, 100],
    ] as const) {
      await expectPage(offset, limit, truth);
    }
  });

  it('serves the whole feed in one page, as generated clients ask for it: 1000 from the cache, beyond it from Postgres', async () => {
    const truth = await truthIds(p, reader.userId);
    const ids = async (query: string) => {
      const reply = await reader.get<{ id: string }[]>(`/post/feed?${query}`);
      expect(reply.status, `${query}: ${JSON.stringify(reply.body).slice(0, 200)}`).toBe(200);
      return reply.body.map((post) => post.id);
    };
    expect(await ids('offset=0.0&limit=1000.0')).toEqual(truth.slice(0, 1000));
    expect(p.config.FEED_PAGE_MAX).toBeGreaterThanOrEqual(5000);
    expect(await ids('limit=5e3')).toEqual(truth); // the whole history is under 1200
    // Above FEED_PAGE_MAX a limit is clamped, not refused.
    expect(await ids('offset=1.0E3&limit=1e9')).toEqual(truth.slice(1000));
  });

  it('a post created live after the rebuild is at the top, and the boundary pages shift by one', async () => {
    const live = await createPost(authors[1]!, 'fresh off the press');
    await waitFor('the live post at the top', async () => (await feedIds(reader, 0, 1))[0] === live, 30_000);
    const truth = await truthIds(p, reader.userId);
    expect(truth[0]).toBe(live);
    expect(await cachedIds(p, reader.userId)).toEqual(truth.slice(0, 1000));
    for (const [offset, limit] of [
      [0, 100],
      [990, 20],
      [995, 5],
      [999, 1],
      [1000, 10],
    ] as const)
      await expectPage(offset, limit, truth);
    // A stranger's post does not show.
    const noise = await createPost(stranger, 'not followed');
    const marker = await createPost(authors[0]!, 'marker');
    await waitFor('the marker at the top', async () => (await feedIds(reader, 0, 1))[0] === marker, 30_000);
    expect(await feedIds(reader, 0, 100)).not.toContain(noise);
  });

  it('after deletions near the top, pages that reach the boundary are still complete', async () => {
    const top = await feedIds(reader, 0, 3);
    for (const id of top) {
      const owner = (await p.db.query<{ a: string }>('SELECT author_id::text AS a FROM posts WHERE id = $1', [id])).rows[0]!.a;
      const client = authors.find((a) => a.userId === owner)!;
      expect((await client.put(`/post/delete/${id}`)).status).toBe(200);
    }
    await waitFor(
      'the deletions in the cached feed',
      async () => {
        const ids = await cachedIds(p, reader.userId);
        return ids !== null && top.every((id) => !ids.includes(id));
      },
      30_000,
    );
    const truth = await truthIds(p, reader.userId);
    // The cached feed is now 3 short of 1000; the posts below it are only in Postgres.
    expect(await cachedIds(p, reader.userId)).toEqual(truth.slice(0, 997));
    for (const [offset, limit] of [
      [0, 10],
      [990, 10],
      [995, 5],
      [997, 3],
      [990, 20],
      [1000, 10],
    ] as const)
      await expectPage(offset, limit, truth);
  });
});
