// Rate limits through the real app and the real Redis, at their production defaults unless a
// test says otherwise: what a person (or an office, a class, a load test) does passes; floods
// end in 429 with Retry-After and the RateLimit headers. Windows are hours long: tests exhaust
// small buckets instead of waiting them out, and never measure time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, defaultLimits, type Harness } from './harness.ts';
import { Client, type Reply } from './client.ts';
import { Codes, expectError } from './helpers.ts';
import { loadConfig } from '../src/config.ts';

const harnesses: Harness[] = [];
/** A core that counts this host like any client (by default this host is exempt: see the last block). */
async function core(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startCore({ ...defaultLimits(), RATE_LIMIT_EXEMPT: '', ...env });
  harnesses.push(h);
  return h;
}
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
});

/** Requests as if from another client address: core trusts X-Forwarded-For from loopback (HAProxy's place). */
function from(h: Harness, address: string, token?: string): Client {
  const client = new Client(h.url, token);
  const request = client.request.bind(client);
  client.request = (method, path, body, headers = {}) => request(method, path, body, { 'x-forwarded-for': address, ...headers });
  return client;
}

async function register(client: Client, password = 'correct horse battery'): Promise<string> {
  const reply = await client.post('/user/register', { password });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.user_id;
}

function expectLimited(reply: Reply, policy: string): void {
  expectError(reply, 429, Codes.rateLimited);
  expect((reply.body as { message: string }).message).toMatch(/try again in \d+ s$/);
  const retryAfter = reply.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
  expect(reply.headers.get('ratelimit-policy')).toContain(`"${policy}";q=`);
  expect(reply.headers.get('ratelimit')).toMatch(new RegExp(`"${policy}";r=0;t=\\d+`));
}

describe('defaults', () => {
  it('are the documented ones', () => {
    expect(defaultLimits()).toEqual({
      POST_BURST: '300',
      REGISTRATIONS_PER_IP: '500',
      LOGIN_FAILURES_PER_ACCOUNT: '10',
      LOGIN_FAILURES_PER_IP: '300',
    });
    expect(loadConfig({}).RATE_LIMIT_EXEMPT).toEqual(['loopback']);
  });
});

describe('logins, with the defaults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await core();
  });

  it('300 users registered from one address (ten at a time, as a load test does), then logged in back to back, all get in', async () => {
    const anon = new Client(h.url);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(...(await Promise.all(Array.from({ length: 10 }, () => register(anon)))));
    expect(new Set(ids).size).toBe(300);
    for (const id of ids) {
      const reply = await anon.post('/login', { id, password: 'correct horse battery' });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    }
  }, 120_000);

  it('30 wrong passwords for one account end in 429, before any password is checked; the address can still log in to other accounts', async () => {
    const anon = from(h, '198.51.100.30');
    const victim = await register(anon);
    const other = await register(anon);
    const replies: Reply[] = [];
    for (let i = 0; i < 30; i++) replies.push(await anon.post('/login', { id: victim, password: `guess ${i}` }));
    const statuses = replies.map((r) => r.status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
    expectLimited(replies[29]!, 'login-account');
    expect((replies[29]!.body as { message: string }).message).toMatch(/^too many failed logins for this account/);
    // The account is protected whoever asks, even with its right password, until tokens come back.
    expectLimited(await from(h, '198.51.100.31').post('/login', { id: victim, password: 'correct horse battery' }), 'login-account');
    expect((await anon.post('/login', { id: other, password: 'correct horse battery' })).status).toBe(200);
  });

  it('a successful login fills the account’s bucket again', async () => {
    const anon = from(h, '198.51.100.32');
    const id = await register(anon);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) expect((await anon.post('/login', { id, password: 'wrong' })).status).toBe(400);
      expect((await anon.post('/login', { id, password: 'correct horse battery' })).status).toBe(200);
    }
  });

  it('answers with the RateLimit headers of both login policies', async () => {
    const anon = from(h, '198.51.100.33');
    const id = await register(anon);
    const reply = await anon.post('/login', { id, password: 'wrong' });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('ratelimit-policy')).toBe('"login-account";q=10;w=3600, "login-ip";q=300;w=3600');
    expect(reply.headers.get('ratelimit')).toMatch(/^"login-account";r=9;t=\d+, "login-ip";r=299;t=\d+$/);
  });
});

describe('failed logins per address', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await core({ LOGIN_FAILURES_PER_IP: '5' });
  });

  it('successful logins never count', async () => {
    const anon = from(h, '203.0.113.1');
    const id = await register(anon);
    for (let i = 0; i < 20; i++) expect((await anon.post('/login', { id, password: 'correct horse battery' })).status).toBe(200);
  });

  it('failures across accounts (wrong passwords, unknown ids) end in 429 for that address only', async () => {
    const attacker = from(h, '203.0.113.2');
    const ids = [await register(attacker), await register(attacker), await register(attacker)];
    const statuses = [
      (await attacker.post('/login', { id: ids[0], password: 'x' })).status,
      (await attacker.post('/login', { id: ids[1], password: 'x' })).status,
      (await attacker.post('/login', { id: '9223372036854775807', password: 'x' })).status,
      (await attacker.post('/login', { id: 'no-such-user', password: 'x' })).status,
      (await attacker.post('/login', { id: ids[2], password: 'x' })).status,
    ];
    expect(statuses).toEqual([400, 400, 404, 404, 400]);
    const limited = await attacker.post('/login', { id: ids[0], password: 'correct horse battery' });
    expectLimited(limited, 'login-ip');
    expect(limited.body.message).toMatch(/^too many failed logins from your address/);
    // Another address, and the same accounts, are untouched.
    expect((await from(h, '203.0.113.3').post('/login', { id: ids[0], password: 'correct horse battery' })).status).toBe(200);
  });

  it('does not count malformed requests (they cost nothing)', async () => {
    const anon = from(h, '203.0.113.4');
    const id = await register(anon);
    for (let i = 0; i < 10; i++) expect((await anon.post('/login', { id })).status).toBe(400);
    expect((await anon.post('/login', { id, password: 'correct horse battery' })).status).toBe(200);
  });
});

describe('posting, with the defaults', () => {
  it('a burst of 100 posts succeeds', async () => {
    const h = await core();
    const alice = await new Client(h.url).signUp();
    for (let i = 0; i < 100; i++) {
      const reply = await alice.post('/post/create', { text: `burst ${i}` });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    }
    const last = await alice.post('/post/create', { text: 'one more' });
    expect(last.headers.get('ratelimit-policy')).toBe('"post";q=300;w=10800');
    expect(last.headers.get('ratelimit')).toMatch(/^"post";r=199;t=\d+$/);
  });
});

describe('a posting flood', () => {
  let h: Harness;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    h = await core({ POST_BURST: '5' });
    const anon = new Client(h.url);
    alice = await anon.signUp();
    bob = await anon.signUp();
  });

  it('ends in 429 with Retry-After once the burst is spent, and stores nothing', async () => {
    for (let i = 0; i < 5; i++) expect((await alice.post('/post/create', { text: `post ${i}` })).status).toBe(200);
    const limited = await alice.post('/post/create', { text: 'one too many' });
    expectLimited(limited, 'post');
    expect(limited.body.message).toMatch(/^too many posts/);
    const stored = await h.db.query('SELECT count(*)::int AS n FROM posts WHERE text = $1', ['one too many']);
    expect(stored.rows[0].n).toBe(0);
  });

  it('counts per author: another user may still post', async () => {
    expect((await bob.post('/post/create', { text: 'my first' })).status).toBe(200);
  });

  it('does not limit updates, deletes or reads', async () => {
    const created = await bob.post('/post/create', { text: 'to edit' });
    expect(created.status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await bob.put('/post/update', { id: created.body, text: `edit ${i}` })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await bob.get('/post/feed')).status).toBe(200);
    expect((await bob.put(`/post/delete/${created.body}`)).status).toBe(200);
  });

  it('does not count posts refused for their body (they cost nothing)', async () => {
    const dave = await new Client(h.url).signUp();
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 42 }, { text: 'x'.repeat(5001) }]) {
      for (let i = 0; i < 2; i++) expect((await dave.post('/post/create', body)).status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    for (let i = 0; i < 5; i++) expect((await dave.post('/post/create', { text: `post ${i}` })).status).toBe(200);
    expectLimited(await dave.post('/post/create', { text: 'one too many' }), 'post');
  });

  it('answers 401, not 429, to an anonymous post', async () => {
    for (let i = 0; i < 10; i++) expectError(await new Client(h.url).post('/post/create', { text: 'x' }), 401, Codes.unauthorized);
  });

  it('holds across core instances sharing Redis', async () => {
    const other = await core({ POST_BURST: '5', REDIS_PREFIX: h.config.REDIS_PREFIX });
    const carol = await new Client(h.url).signUp();
    const elsewhere = new Client(other.url, carol.token);
    for (let i = 0; i < 3; i++) expect((await carol.post('/post/create', { text: `here ${i}` })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await elsewhere.post('/post/create', { text: `there ${i}` })).status).toBe(200);
    expectLimited(await elsewhere.post('/post/create', { text: 'over' }), 'post');
  });
});

describe('a registration flood from one address', () => {
  it('ends in 429 with Retry-After; other addresses still register', async () => {
    const h = await core({ REGISTRATIONS_PER_IP: '5' });
    const flood = from(h, '192.0.2.50');
    for (let i = 0; i < 5; i++) await register(flood);
    const limited = await flood.post('/user/register', { password: 'correct horse battery' });
    expectLimited(limited, 'register-ip');
    expect(limited.body.message).toMatch(/^too many registrations from your address/);
    await register(from(h, '192.0.2.51'));
    // IPv6 clients are counted by their /56: a client cannot dodge the limit by picking addresses.
    for (let i = 0; i < 5; i++) await register(from(h, `2001:db8:0:1${i}::1`));
    expectLimited(await from(h, '2001:db8:0:20::1').post('/user/register', { password: 'correct horse battery' }), 'register-ip');
  });
});

describe('registrations refused for their body', () => {
  it('do not count (they cost nothing): a suite trying bad input first can still register its users', async () => {
    const h = await core({ REGISTRATIONS_PER_IP: '5' });
    const suite = from(h, '192.0.2.60');
    for (const body of [{}, { password: 'short' }, { password: 12345678 }, { password: 'correct horse battery', birthdate: '1 May' }]) {
      for (let i = 0; i < 3; i++) expect((await suite.post('/user/register', body)).status, JSON.stringify(body)).toBe(400);
    }
    for (let i = 0; i < 5; i++) await register(suite);
    expectLimited(await suite.post('/user/register', { password: 'correct horse battery' }), 'register-ip');
  });
});

describe('without Redis', () => {
  it('lets requests through rather than failing the API', async () => {
    const h = await core({ POST_BURST: '1', REGISTRATIONS_PER_IP: '1' });
    const alice = await new Client(h.url).signUp();
    h.redis.disconnect(); // the limiter's connection is gone; Postgres is still there
    for (let i = 0; i < 3; i++) expect((await alice.post('/post/create', { text: `no limiter ${i}` })).status).toBe(200);
    for (let i = 0; i < 2; i++) await register(new Client(h.url));
  });
});

describe('this host (RATE_LIMIT_EXEMPT, loopback by default)', () => {
  it('is counted by no limit: a probe or a suite beside the stack registers, fails logins and posts past every bucket; other addresses are still counted', async () => {
    const tiny = { POST_BURST: '2', REGISTRATIONS_PER_IP: '2', LOGIN_FAILURES_PER_ACCOUNT: '2', LOGIN_FAILURES_PER_IP: '2' };
    const h = await core({ ...tiny, RATE_LIMIT_EXEMPT: 'loopback' });
    for (const local of [new Client(h.url), from(h, '::1')]) {
      const registered = await Promise.all(Array.from({ length: 5 }, () => local.post('/user/register', { password: 'correct horse battery' })));
      expect(registered.map((r) => r.status)).toEqual(Array(5).fill(200));
      expect(registered[4]!.headers.get('ratelimit-policy')).toBeNull();
      const id = registered[0]!.body.user_id;
      for (let i = 0; i < 5; i++) expect((await local.post('/login', { id, password: `guess ${i}` })).status).toBe(400);
      expect((await local.post('/login', { id, password: 'correct horse battery' })).status).toBe(200);
    }
    const alice = await new Client(h.url).signUp();
    for (let i = 0; i < 5; i++) expect((await alice.post('/post/create', { text: `local ${i}` })).status).toBe(200);

    const remote = from(h, '198.51.100.70');
    for (let i = 0; i < 2; i++) await register(remote);
    expectLimited(await remote.post('/user/register', { password: 'correct horse battery' }), 'register-ip');
  });

  it('refuses a setting that is not an address list', () => {
    expect(() => loadConfig({ RATE_LIMIT_EXEMPT: 'localhost' })).toThrow(/RATE_LIMIT_EXEMPT/);
  });
});
