// GET /post/feed: posts of the people I follow, newest first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { Codes, expectError } from './helpers.ts';

let core: Harness;
let anon: Client;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
});
afterAll(() => core.close());

type Post = { id: string; text: string; author_user_id: string };

async function create(author: Client, text: string): Promise<string> {
  const reply = await author.post('/post/create', { text });
  expect(reply.status).toBe(200);
  return reply.body as string;
}

async function feed(reader: Client, query = ''): Promise<Post[]> {
  const reply = await reader.get<Post[]>(`/post/feed${query}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  return reply.body;
}

describe('GET /post/feed', () => {
  it('is empty for someone who follows nobody', async () => {
    const loner = await anon.signUp();
    await create(loner, 'talking to myself');
    expect(await feed(loner)).toEqual([]);
  });

  it('holds the posts of followees only, newest first, never my own', async () => {
    const me = await anon.signUp();
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    const stranger = await anon.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    await me.put(`/friend/set/${bob.userId}`);
    // Alice follows me: that must not put my posts in my feed nor hers in it twice.
    await alice.put(`/friend/set/${me.userId}`);

    const a1 = await create(alice, 'alice 1');
    const b1 = await create(bob, 'bob 1');
    await create(me, 'my own');
    await create(stranger, 'stranger');
    const a2 = await create(alice, 'alice 2 <i>');

    expect(await feed(me)).toEqual([
      { id: a2, text: 'alice 2 <i>', author_user_id: alice.userId },
      { id: b1, text: 'bob 1', author_user_id: bob.userId },
      { id: a1, text: 'alice 1', author_user_id: alice.userId },
    ]);
  });

  it('includes posts written before the follow', async () => {
    const me = await anon.signUp();
    const alice = await anon.signUp();
    const old = await create(alice, 'from before');
    await me.put(`/friend/set/${alice.userId}`);
    expect((await feed(me)).map((p) => p.id)).toEqual([old]);
  });

  it('never shows deleted posts and shows updates', async () => {
    const me = await anon.signUp();
    const alice = await anon.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    const keep = await create(alice, 'keep');
    const gone = await create(alice, 'gone');
    await alice.put('/post/update', { id: keep, text: 'kept and edited' });
    expect((await alice.put(`/post/delete/${gone}`)).status).toBe(200);
    expect(await feed(me)).toEqual([{ id: keep, text: 'kept and edited', author_user_id: alice.userId }]);
  });

  it("drops a followee's posts after unfollowing, and brings them back on a new follow", async () => {
    const me = await anon.signUp();
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    await me.put(`/friend/set/${bob.userId}`);
    const a = await create(alice, 'alice');
    const b = await create(bob, 'bob');
    expect((await feed(me)).map((p) => p.id)).toEqual([b, a]);
    await me.put(`/friend/delete/${alice.userId}`);
    expect((await feed(me)).map((p) => p.id)).toEqual([b]);
    await me.put(`/friend/set/${alice.userId}`);
    expect((await feed(me)).map((p) => p.id)).toEqual([b, a]);
  });

  it('pages with offset and limit, defaulting to offset 0 and limit 10', async () => {
    const me = await anon.signUp();
    const alice = await anon.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    const ids: string[] = [];
    for (let i = 0; i < 13; i++) ids.push(await create(alice, `post ${i}`));
    const newestFirst = [...ids].reverse();

    expect((await feed(me)).map((p) => p.id)).toEqual(newestFirst.slice(0, 10));
    expect((await feed(me, '?offset=0&limit=10')).map((p) => p.id)).toEqual(newestFirst.slice(0, 10));
    expect((await feed(me, '?limit=3')).map((p) => p.id)).toEqual(newestFirst.slice(0, 3));
    expect((await feed(me, '?offset=3&limit=4')).map((p) => p.id)).toEqual(newestFirst.slice(3, 7));
    expect((await feed(me, '?offset=10')).map((p) => p.id)).toEqual(newestFirst.slice(10));
    expect((await feed(me, '?offset=12&limit=5')).map((p) => p.id)).toEqual(newestFirst.slice(12));
    expect(await feed(me, '?offset=13')).toEqual([]);
    expect(await feed(me, '?offset=999999999')).toEqual([]);
    expect((await feed(me, `?limit=${core.config.FEED_PAGE_MAX}`)).map((p) => p.id)).toEqual(newestFirst);
    expect((await feed(me, '?limit=1')).map((p) => p.id)).toEqual([newestFirst[0]]);
  });

  it('keeps feeds of different readers apart', async () => {
    const me = await anon.signUp();
    const you = await anon.signUp();
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    await you.put(`/friend/set/${bob.userId}`);
    const a = await create(alice, 'for me');
    const b = await create(bob, 'for you');
    expect((await feed(me)).map((p) => p.id)).toEqual([a]);
    expect((await feed(you)).map((p) => p.id)).toEqual([b]);
  });

  // What the contract forbids: a fraction, an offset below 0, a limit below 1, or not a number.
  it.each(['limit=0', 'limit=-1', 'offset=-1', 'limit=1.5', 'offset=2.5', 'offset=0.5e0', 'limit=abc', 'offset=abc', 'limit=', 'offset=', 'limit=%2010', 'limit=0x10', 'limit=Infinity', 'limit=NaN', 'limit=1e400', 'limit=5&limit=6'])(
    'answers 400 for %s',
    async (query) => {
      const me = await anon.signUp();
      const reply = await me.get(`/post/feed?${query}`);
      expectError(reply, 400, Codes.invalidInput);
      expect(reply.body.message).toMatch(/^invalid query: (offset|limit): must be a whole number/);
    },
  );

  // The contract types offset and limit as `number`: generated clients write doubles.
  it.each([
    ['offset=0.0&limit=3.0', 0, 3],
    ['offset=1e0&limit=1e1', 1, 10],
    ['offset=1.0E0&limit=3.000', 1, 3],
    ['offset=%2B2&limit=%2B2', 2, 2], // '+2', percent-encoded as a URL needs
    ['offset=-0&limit=2', 0, 2],
  ])('accepts %s as whole numbers', async (query, offset, limit) => {
    const me = await anon.signUp();
    const alice = await anon.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await create(alice, `post ${i}`));
    const newestFirst = ids.reverse();
    expect((await feed(me, `?${query}`)).map((p) => p.id)).toEqual(newestFirst.slice(offset, offset + limit));
  });

  it('answers an empty page for an offset past the end, however large', async () => {
    const me = await anon.signUp();
    for (const offset of ['99999999999999999999', '1e300', '9007199254740993']) expect(await feed(me, `?offset=${offset}`)).toEqual([]);
  });

  it('serves up to FEED_PAGE_MAX (5000 by default) and clamps a larger limit', async () => {
    expect(core.config.FEED_PAGE_MAX).toBe(5000);
    const me = await anon.signUp();
    for (const limit of ['1000', '5000', '5001', '1e9', '1e300']) expect(await feed(me, `?limit=${limit}`)).toEqual([]);
  });

  it('answers 401 without a token', async () => {
    expectError(await anon.get('/post/feed'), 401, Codes.unauthorized);
  });
});

describe('GET /post/feed with a smaller FEED_PAGE_MAX', () => {
  let small: Harness;
  beforeAll(async () => {
    small = await startCore({ FEED_PAGE_MAX: '5' });
  });
  afterAll(() => small.close());

  it('answers a larger limit with FEED_PAGE_MAX posts instead of refusing it', async () => {
    const signup = new Client(small.url);
    const me = await signup.signUp();
    const alice = await signup.signUp();
    await me.put(`/friend/set/${alice.userId}`);
    for (let i = 0; i < 7; i++) await create(alice, `post ${i}`);
    expect(await feed(me, '?limit=5')).toHaveLength(5);
    expect(await feed(me, '?limit=6')).toHaveLength(5);
    expect(await feed(me, '?limit=1000.0')).toHaveLength(5);
    expect(await feed(me, '?offset=5&limit=100')).toHaveLength(2);
  });
});
