// Rate limits on /login (per IP) and /post/create (per user), kept in Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { Codes, expectError } from './helpers.ts';

let core: Harness;
let anon: Client;
beforeAll(async () => {
  core = await startCore({ LOGIN_RATE_PER_MINUTE: '3', POST_RATE_PER_MINUTE: '3' });
  anon = new Client(core.url);
});
afterAll(() => core.close());

/** Registers without logging in: logins are what this file counts. */
async function register(password: string): Promise<string> {
  const reply = await anon.post('/user/register', { password });
  expect(reply.status).toBe(200);
  return reply.body.user_id;
}

describe('login rate limit', () => {
  it('answers the 4th login in a minute with 429 and the error shape, whatever the outcome of the first three', async () => {
    const id = await register('long enough');
    expect((await anon.post('/login', { id, password: 'long enough' })).status).toBe(200);
    expect((await anon.post('/login', { id, password: 'wrong password' })).status).toBe(400);
    expect((await anon.post('/login', { id: '9223372036854775807', password: 'x' })).status).toBe(404);
    const limited = await anon.post('/login', { id, password: 'long enough' });
    expectError(limited, 429, Codes.rateLimited);
    expect(limited.headers.getSetCookie()).toEqual([]);
    expect(limited.headers.get('ratelimit-policy') ?? limited.headers.get('ratelimit')).toBeTruthy();
    // Still limited, even with the right password.
    expectError(await anon.post('/login', { id, password: 'long enough' }), 429, Codes.rateLimited);
  });

  it('does not limit registration or reads', async () => {
    for (let i = 0; i < 5; i++) expect((await anon.post('/user/register', { password: 'long enough' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await anon.get('/user/get/9223372036854775807')).status).toBe(404);
  });
});

describe('post rate limit', () => {
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    // Logins are limited here too: mint tokens in a generous harness sharing the database.
    const other = await startCore();
    try {
      const signup = new Client(other.url);
      alice = new Client(core.url, (await signup.signUp()).token);
      bob = new Client(core.url, (await signup.signUp()).token);
    } finally {
      await other.close();
    }
  });

  it('answers the 4th post in a minute with 429 and the error shape, and stores nothing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await alice.post('/post/create', { text: `post ${i}` });
      expect(reply.status).toBe(200);
      ids.push(reply.body);
    }
    const before = await core.db.query('SELECT count(*)::int AS n FROM posts');
    const limited = await alice.post('/post/create', { text: 'one too many' });
    expectError(limited, 429, Codes.rateLimited);
    const after = await core.db.query('SELECT count(*)::int AS n FROM posts WHERE text = $1', ['one too many']);
    expect(after.rows[0].n).toBe(0);
    expect(before.rows[0].n).toBeGreaterThanOrEqual(3);
  });

  it('counts per user: another user may still post', async () => {
    expect((await bob.post('/post/create', { text: 'my first' })).status).toBe(200);
  });

  it('does not limit updates, deletes or reads', async () => {
    const created = await bob.post('/post/create', { text: 'to edit' });
    expect(created.status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await bob.put('/post/update', { id: created.body, text: `edit ${i}` })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await bob.get('/post/feed')).status).toBe(200);
    expect((await bob.put(`/post/delete/${created.body}`)).status).toBe(200);
  });

  it('answers 401, not 429, to an anonymous post', async () => {
    for (let i = 0; i < 5; i++) expectError(await anon.post('/post/create', { text: 'x' }), 401, Codes.unauthorized);
  });
});
