// Celebrities (more followers than CELEBRITY_THRESHOLD) are not fanned out on write: their posts
// go to their own timeline and readers merge it in at read time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { cachedIds, createPost, feed, feedIds, truthIds } from './feed-support.ts';

let p: Pipeline;
let anon: Client;
type User = Client & { userId: string };

beforeAll(async () => {
  p = await startPipeline({ CELEBRITY_THRESHOLD: '3' });
  await p.startWorker();
  anon = new Client(p.url);
}, 120_000);
afterAll(async () => {
  await p?.close();
}, 60_000);

describe('celebrity posts', () => {
  let celebrity: User;
  let ordinary: User;
  let followers: User[];
  let reader: User;
  let before: string; // posted while the celebrity had no followers
  const c: string[] = [];
  const o: string[] = [];

  beforeAll(async () => {
    celebrity = await anon.signUp();
    ordinary = await anon.signUp();
    before = await createPost(celebrity, 'before fame');
    followers = await Promise.all([1, 2, 3, 4].map(() => anon.signUp()));
    for (const f of followers) expect((await f.put(`/friend/set/${celebrity.userId}`)).status).toBe(200);
    reader = followers[0]!;
    expect((await reader.put(`/friend/set/${ordinary.userId}`)).status).toBe(200);
    for (const f of followers) {
      await p.cache.logs.open(f.userId);
      await feed(f); // built from Postgres
    }
  }, 60_000);

  it("a celebrity post stays out of followers' cached feeds but is merged into GET /post/feed in order", async () => {
    o.push(await createPost(ordinary, 'o1'));
    c.push(await createPost(celebrity, 'c1'));
    o.push(await createPost(ordinary, 'o2'));
    c.push(await createPost(celebrity, 'c2'));
    o.push(await createPost(ordinary, 'o3'));
    const expected = [o[2], c[1], o[1], c[0], o[0], before];
    await waitFor('the merged feed', async () => JSON.stringify(await feedIds(reader)) === JSON.stringify(expected), 30_000);
    expect(await feedIds(reader)).toEqual(expected);
    expect(await truthIds(p, reader.userId)).toEqual(expected);
    // Pages of the merged feed.
    expect(await feedIds(reader, 1, 2)).toEqual([c[1], o[1]]);
    expect(await feedIds(reader, 3, 10)).toEqual([c[0], o[0], before]);
    expect(await feedIds(reader, 6, 10)).toEqual([]);
    // Texts and authors come through.
    expect((await feed(reader, 1, 1))[0]).toEqual({ id: c[1], text: 'c2', author_user_id: celebrity.userId });

    // The celebrity's posts are on their timeline and in nobody's cached feed.
    const cached = await cachedIds(p, reader.userId);
    expect(cached).toEqual([o[2], o[1], o[0], before]);
    for (const f of followers) {
      const ids = await cachedIds(p, f.userId);
      expect(ids).not.toBeNull();
      for (const id of c) expect(ids).not.toContain(id);
      expect(await feedIds(f)).toEqual(f === reader ? expected : [c[1], c[0], before]);
    }
    expect((await p.cache.timelines.latest([celebrity.userId], 10))[0]).toEqual(expect.arrayContaining([c[1], c[0]]));
  });

  it('a deleted celebrity post leaves the merged feed', async () => {
    expect((await celebrity.put(`/post/delete/${c[1]}`)).status).toBe(200);
    const expected = [o[2], o[1], c[0], o[0], before];
    await waitFor('the deletion in the merged feed', async () => !(await feedIds(reader)).includes(c[1]!), 30_000);
    expect(await feedIds(reader)).toEqual(expected);
    expect(await truthIds(p, reader.userId)).toEqual(expected);
    for (const f of followers.slice(1)) expect(await feedIds(f)).toEqual([c[0], before]);
    expect((await p.cache.timelines.latest([celebrity.userId], 10))[0]).not.toContain(c[1]);
    expect((await anon.get(`/post/get/${c[1]}`)).status).toBe(404);
  });

  it('an edit of a celebrity post shows in the merged feed', async () => {
    expect((await celebrity.put('/post/update', { id: c[0], text: 'c1 edited' })).status).toBe(200);
    await waitFor('the edit in the merged feed', async () => (await feed(reader)).some((post) => post.id === c[0] && post.text === 'c1 edited'), 30_000);
  });

  it('a reader with a built feed who starts following a celebrity sees all their recent posts', async () => {
    const newcomer = await anon.signUp();
    await p.cache.logs.open(newcomer.userId);
    expect(await feedIds(newcomer)).toEqual([]); // built, empty
    expect((await newcomer.put(`/friend/set/${celebrity.userId}`)).status).toBe(200);
    const expected = await truthIds(p, newcomer.userId);
    expect(expected).toEqual([c[0], before]);
    await waitFor("the celebrity's posts in the newcomer's feed", async () => JSON.stringify(await feedIds(newcomer)) === JSON.stringify(expected), 15_000);
    // Merged at read time, not written into the cached feed.
    expect(await cachedIds(p, newcomer.userId)).toEqual([]);
  });

  it("after a Redis loss, a celebrity's next post does not hide their older ones", async () => {
    await p.redis.del(p.cache.keys.timeline(celebrity.userId));
    const fresh = await createPost(celebrity, 'after the loss');
    const expected = [fresh, c[0], before];
    // Wait for the worker to have handled the post before anyone reads (a read would reload the
    // whole timeline from Postgres and hide the problem).
    await waitFor('the worker to push the post', async () => (await p.redis.zscore(p.cache.keys.timeline(celebrity.userId), fresh)) !== null, 30_000);
    expect(await feedIds(followers[1]!)).toEqual(expected);
    expect(await truthIds(p, followers[1]!.userId)).toEqual(expected);
  });
});
