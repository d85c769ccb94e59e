// Login and bearer-token authentication.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { signToken, tokenKey } from '@feed/contracts';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { Codes, b64url, expectError, raw } from './helpers.ts';

let core: Harness;
let anon: Client;
let key: Uint8Array;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
  key = tokenKey(core.config.JWT_SECRET);
});
afterAll(() => core.close());

async function registerWith(password: string): Promise<string> {
  const reply = await anon.post('/user/register', { password });
  expect(reply.status).toBe(200);
  return reply.body.user_id;
}

describe('POST /login', () => {
  it('answers {token} and sets an HttpOnly SameSite cookie feed_token', async () => {
    const id = await registerWith('my password 1');
    const reply = await anon.post('/login', { id, password: 'my password 1' });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['token']);
    expect(typeof reply.body.token).toBe('string');
    expect(reply.body.token.split('.')).toHaveLength(3);

    const cookies = reply.headers.getSetCookie();
    const cookie = cookies.find((c) => c.startsWith('feed_token='));
    expect(cookie, cookies.join('\n')).toBeDefined();
    expect(cookie).toContain(`feed_token=${reply.body.token}`);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=(Lax|Strict)/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).toMatch(new RegExp(`;\\s*Max-Age=${core.config.TOKEN_TTL_SECONDS}(;|$)`, 'i'));
  });

  it('checks the whole password: no truncation, spaces and any Unicode kept (ASVS 2.1.3, 2.1.4)', async () => {
    const long = `${'пароль 🔑 '.repeat(25)}end`.slice(0, 250);
    const id = await registerWith(long);
    expect((await anon.post('/login', { id, password: long.slice(0, -1) })).status).toBe(400);
    expect((await anon.post('/login', { id, password: `${long} ` })).status).toBe(400);
    expect((await anon.post('/login', { id, password: long })).status).toBe(200);
  });

  it('signs a new token with its own id at every login (ASVS 3.2.1)', async () => {
    const id = await registerWith('my password 4');
    const [a, b] = [await anon.post('/login', { id, password: 'my password 4' }), await anon.post('/login', { id, password: 'my password 4' })];
    const jti = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    expect(a.body.token).not.toBe(b.body.token);
    expect(jti(a.body.token)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jti(a.body.token)).not.toBe(jti(b.body.token));
  });

  it('issues a token that authenticates as the user', async () => {
    const id = await registerWith('my password 2');
    const { body } = await anon.post('/login', { id, password: 'my password 2' });
    const me = new Client(core.url, body.token);
    const other = await registerWith('my password 3');
    // Following yourself is refused: proves the token names `id`.
    expectError(await me.put(`/friend/set/${id}`), 400);
    expect((await me.put(`/friend/set/${other}`)).status).toBe(200);
  });

  it('accepts the id as a JSON number too', async () => {
    const id = await registerWith('my password 4');
    expect((await anon.post('/login', { id: Number(id), password: 'my password 4' })).status).toBe(200);
  });

  it('answers 404 for an unknown user', async () => {
    expectError(await anon.post('/login', { id: '9223372036854775807', password: 'whatever' }), 404, Codes.notFound);
  });

  it('answers 400 for a wrong password, without a cookie', async () => {
    const id = await registerWith('right password');
    const reply = await anon.post('/login', { id, password: 'wrong password' });
    expectError(reply, 400, Codes.invalidInput);
    expect(reply.headers.getSetCookie()).toEqual([]);
  });

  it('is case-sensitive about the password', async () => {
    const id = await registerWith('Right Password');
    expectError(await anon.post('/login', { id, password: 'right password' }), 400);
  });

  it.each([
    ['no body fields', {}],
    ['no id', { password: 'x' }],
    ['no password', { id: '1' }],
    ['an empty password', { id: '1', password: '' }],
    ['a negative id', { id: -5, password: 'x' }],
    ['a fractional id', { id: 1.5, password: 'x' }],
    ['a huge numeric id', { id: 1e300, password: 'x' }],
    ['a null id', { id: null, password: 'x' }],
    ['an array id', { id: ['1'], password: 'x' }],
    ['a numeric password', { id: '1', password: 12345678 }],
  ])('answers 400 for %s', async (_what, body) => {
    expectError(await anon.post('/login', body), 400, Codes.invalidInput);
  });

  // The contract types the id as a plain string and lists 404 for an unknown user.
  it.each([['abc'], ['9223372036854775808'], ['e4d2e6b0-cde2-42c5-aac3-0b8316f21e58']])('answers 404 for the id %j, never issued', async (id) => {
    expectError(await anon.post('/login', { id, password: 'x' }), 404, Codes.notFound);
  });
});

describe('authentication of protected endpoints', () => {
  let victim: string;
  beforeAll(async () => {
    victim = await registerWith('victim password');
  });

  const protectedCalls: [string, string, unknown?][] = [
    ['PUT', '/friend/set/1'],
    ['PUT', '/friend/delete/1'],
    ['POST', '/post/create', { text: 'hi' }],
    ['PUT', '/post/update', { id: '1', text: 'hi' }],
    ['PUT', '/post/delete/1'],
    ['GET', '/post/feed'],
  ];

  async function expectAllUnauthorized(headers: Record<string, string>) {
    for (const [method, path, body] of protectedCalls) {
      const reply = await raw(core.url, method, path, {
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(reply.status, `${method} ${path}`).toBe(401);
      expectError(reply, 401, Codes.unauthorized);
    }
  }

  it('refuses a request with no Authorization header', async () => {
    await expectAllUnauthorized({});
  });

  it('refuses a non-Bearer scheme and an empty bearer', async () => {
    await expectAllUnauthorized({ authorization: `Basic ${Buffer.from(`${victim}:victim password`).toString('base64')}` });
    await expectAllUnauthorized({ authorization: 'Bearer' });
    await expectAllUnauthorized({ authorization: 'Bearer ' });
  });

  it('refuses a garbage token', async () => {
    await expectAllUnauthorized({ authorization: 'Bearer not-a-jwt' });
    await expectAllUnauthorized({ authorization: 'Bearer a.b.c' });
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await signToken(victim, tokenKey('another-secret-another-secret-another-secret'), 3600);
    await expectAllUnauthorized({ authorization: `Bearer ${forged}` });
  });

  it('refuses an expired token', async () => {
    const expired = await signToken(victim, key, -60);
    await expectAllUnauthorized({ authorization: `Bearer ${expired}` });
    const reply = await new Client(core.url, expired).get('/post/feed');
    expect(reply.body.message).toMatch(/expired/);
  });

  it('refuses an unsigned alg:none token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ alg: 'none', typ: 'JWT' });
    const payload = b64url({ sub: victim, iss: 'live-feed', iat: now, exp: now + 3600 });
    await expectAllUnauthorized({ authorization: `Bearer ${header}.${payload}.` });
    await expectAllUnauthorized({ authorization: `Bearer ${header}.${payload}` });
  });

  it('refuses a token whose signature was swapped onto another payload', async () => {
    const now = Math.floor(Date.now() / 1000);
    const genuine = await signToken(victim, key, 3600);
    const [header, , signature] = genuine.split('.');
    const payload = b64url({ sub: '1', iss: 'live-feed', iat: now, exp: now + 3600 });
    await expectAllUnauthorized({ authorization: `Bearer ${header}.${payload}.${signature}` });
  });

  it('refuses a token signed with another algorithm, even with the right secret', async () => {
    const hs512 = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(victim).setIssuer('live-feed').setIssuedAt().setExpirationTime('1h').sign(key);
    await expectAllUnauthorized({ authorization: `Bearer ${hs512}` });
  });

  it('refuses a token from another issuer', async () => {
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(victim).setIssuer('somebody-else').setIssuedAt().setExpirationTime('1h').sign(key);
    await expectAllUnauthorized({ authorization: `Bearer ${foreign}` });
  });

  it.each([['abc'], ['0'], ['-1'], ['01'], ['1.5'], ['99999999999999999999'], ['']])('refuses a correctly signed token whose sub is %j', async (sub) => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('live-feed').setIssuedAt().setExpirationTime('1h').sign(key);
    await expectAllUnauthorized({ authorization: `Bearer ${token}` });
  });

  it('refuses a correctly signed token with no sub or no exp', async () => {
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('live-feed').setExpirationTime('1h').sign(key);
    await expectAllUnauthorized({ authorization: `Bearer ${noSub}` });
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(victim).setIssuer('live-feed').sign(key);
    await expectAllUnauthorized({ authorization: `Bearer ${noExp}` });
  });

  it('does not authenticate with the cookie alone: the REST API takes bearer tokens', async () => {
    const { body } = await anon.post('/login', { id: victim, password: 'victim password' });
    await expectAllUnauthorized({ cookie: `feed_token=${body.token}` });
  });

  it('accepts the scheme case-insensitively', async () => {
    const { body } = await anon.post('/login', { id: victim, password: 'victim password' });
    const reply = await raw(core.url, 'GET', '/post/feed', { headers: { authorization: `bearer ${body.token}` } });
    expect(reply.status).toBe(200);
  });

  it('answers 401, not 500, for a valid token of a user that does not exist', async () => {
    const ghost = await signToken('9223372036854775000', key, 3600);
    const client = new Client(core.url, ghost);
    const target = await registerWith('target password');
    expectError(await client.put(`/friend/set/${target}`), 401, Codes.unauthorized);
    expectError(await client.post('/post/create', { text: 'from nobody' }), 401, Codes.unauthorized);
    // Reads and no-op writes need no account row and may succeed.
    expect((await client.get('/post/feed')).status).toBe(200);
    expect((await client.put(`/friend/delete/${target}`)).status).toBe(200);
  });
});
