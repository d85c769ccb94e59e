// Registration, profiles and people search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { Codes, expectError, uniqueName, uniqueTag } from './helpers.ts';

let core: Harness;
let anon: Client;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
});
afterAll(() => core.close());

async function register(profile: Record<string, unknown>): Promise<string> {
  const reply = await anon.post<{ user_id: string }>('/user/register', profile);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.user_id;
}

function search(first: string, last: string) {
  return anon.get(`/user/search?first_name=${encodeURIComponent(first)}&last_name=${encodeURIComponent(last)}`);
}

describe('POST /user/register', () => {
  it('creates a user with a full profile and answers only {user_id}', async () => {
    const profile = {
      first_name: uniqueName(),
      second_name: uniqueName(),
      birthdate: '1990-05-17',
      biography: 'Хобби: чтение, шахматы',
      city: 'Москва',
    };
    const password = 'a secret of mine 123';
    const reply = await anon.post('/user/register', { ...profile, password });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(reply.body)).toEqual(['user_id']);
    expect(reply.body.user_id).toMatch(/^[1-9][0-9]*$/);
    expect(JSON.stringify(reply.body)).not.toContain(password);

    const got = await anon.get(`/user/get/${reply.body.user_id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ id: reply.body.user_id, ...profile });
  });

  it('needs only a password; profile fields not given are omitted, not null', async () => {
    const id = await register({ password: 'only a password' });
    const got = await anon.get(`/user/get/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ id });
  });

  it('gives every user a distinct, increasing id', async () => {
    const a = await register({ password: 'password-1' });
    const b = await register({ password: 'password-1' });
    expect(BigInt(b)).toBeGreaterThan(BigInt(a));
  });

  it('never returns password material from any user endpoint', async () => {
    const first = uniqueName();
    const last = uniqueName();
    const password = 'Never-Show-Me-42';
    const id = await register({ first_name: first, second_name: last, password });
    const login = await anon.post('/login', { id, password });
    const replies = [await anon.get(`/user/get/${id}`), await search(first, last)];
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      const text = JSON.stringify(reply.body);
      expect(text).not.toContain(password);
      expect(text).not.toMatch(/password|scrypt|hash|salt/i);
    }
    // The login answer is a random-looking token: check its shape rather than scan it for words.
    expect(login.status).toBe(200);
    expect(Object.keys(login.body)).toEqual(['token']);
    expect(JSON.stringify(login.body)).not.toContain(password);
    expect(login.body.token).not.toContain('scrypt$');
    const wrong = await anon.post('/login', { id, password: 'Never-Show-Me-43' });
    expect(JSON.stringify(wrong.body)).not.toContain('Never-Show-Me');
  });

  it.each([
    ['no password', { first_name: 'A' }],
    ['a short password', { password: 'short' }],
    ['a numeric password', { password: 12345678 }],
    ['a null password', { password: null }],
    ['a password with NUL', { password: 'abc\u0000defgh' }],
    ['a password over 256 characters', { password: 'x'.repeat(257) }],
    ['a numeric first_name', { password: 'long enough', first_name: 42 }],
    ['a null second_name', { password: 'long enough', second_name: null }],
    ['an array city', { password: 'long enough', city: ['Moscow'] }],
    ['an object biography', { password: 'long enough', biography: { a: 1 } }],
    ['a name over 100 characters', { password: 'long enough', first_name: 'x'.repeat(101) }],
    ['a biography over 2000 characters', { password: 'long enough', biography: 'x'.repeat(2001) }],
    ['a name with NUL', { password: 'long enough', first_name: 'Ann\u0000' }],
    ['a birthdate not a date', { password: 'long enough', birthdate: 'yesterday' }],
    ['a birthdate in another format', { password: 'long enough', birthdate: '17.05.1990' }],
    ['a birthdate that does not exist', { password: 'long enough', birthdate: '2021-02-29' }],
    ['a birthdate in month 13', { password: 'long enough', birthdate: '2001-13-01' }],
    ['a birthdate in the future', { password: 'long enough', birthdate: '2999-01-01' }],
    ['a birthdate before 1900', { password: 'long enough', birthdate: '1899-12-31' }],
    ['a numeric birthdate', { password: 'long enough', birthdate: 19900517 }],
  ])('refuses %s with 400', async (_what, body) => {
    const reply = await anon.post('/user/register', body);
    expectError(reply, 400, Codes.invalidInput);
  });

  it('accepts a leap day birthdate', async () => {
    const id = await register({ password: 'long enough', birthdate: '2000-02-29' });
    expect((await anon.get(`/user/get/${id}`)).body.birthdate).toBe('2000-02-29');
  });

  it('keeps names exactly as given, Unicode included', async () => {
    const profile = { first_name: 'Ёжик 🦔', second_name: "O'Brien-Łukasz", city: '東京', password: 'long enough' };
    const id = await register(profile);
    const got = await anon.get(`/user/get/${id}`);
    expect(got.body).toEqual({ id, first_name: 'Ёжик 🦔', second_name: "O'Brien-Łukasz", city: '東京' });
  });
});

describe('GET /user/get/{id}', () => {
  it('answers 404 with the error shape for an unknown id', async () => {
    expectError(await anon.get('/user/get/9223372036854775807'), 404, Codes.notFound);
  });

  // The contract types ids as plain strings: one the API never issued names nothing (404).
  it.each(['abc', '1.5', '-1', '0', '01', '1e3', '%201', '1%20', '9223372036854775808', '99999999999999999999999'])('answers 404 for the id %s, never issued', async (id) => {
    expectError(await anon.get(`/user/get/${id}`), 404, Codes.notFound);
  });

  it('needs no authentication', async () => {
    const id = await register({ password: 'long enough' });
    expect((await new Client(core.url, 'garbage').get(`/user/get/${id}`)).status).toBe(200);
  });
});

describe('GET /user/search', () => {
  it('matches a case-insensitive prefix of both names, ordered by id', async () => {
    const tag = uniqueTag();
    const first = `Zed${tag}`;
    const ids = [
      await register({ first_name: `${first}Anna`, second_name: `Petrova${tag}`, password: 'long enough' }),
      await register({ first_name: `${first}Boris`, second_name: `PETROV${tag}`, password: 'long enough' }),
      await register({ first_name: `${first}Clara`, second_name: `Ivanova${tag}`, password: 'long enough' }),
      await register({ first_name: `X${first}`, second_name: `Petrov${tag}`, password: 'long enough' }),
    ];
    const reply = await search(first.toLowerCase(), 'petrov');
    expect(reply.status).toBe(200);
    // The second name filter is a prefix on "petrov", and the tag is in the second name too,
    // so rows from other files cannot match unless they share the random first-name prefix.
    expect(reply.body.map((u: { id: string }) => u.id)).toEqual([ids[0], ids[1]]);
    expect(reply.body[0]).toEqual({ id: ids[0], first_name: `${first}Anna`, second_name: `Petrova${tag}` });

    const upper = await search(first.toUpperCase(), 'PETROV');
    expect(upper.body.map((u: { id: string }) => u.id)).toEqual([ids[0], ids[1]]);
  });

  it('takes an empty name as the prefix of every name (both parameters are required, neither has a minimum length)', async () => {
    const tag = uniqueTag();
    const id = await register({ first_name: `Ee${tag}`, second_name: `Rr${tag}`, password: 'long enough' });
    expect((await search('', `Rr${tag}`)).body.map((u: { id: string }) => u.id)).toEqual([id]);
    expect((await search(`Ee${tag}`, '')).body.map((u: { id: string }) => u.id)).toEqual([id]);
    const everyone = await search('', '');
    expect(everyone.status).toBe(200);
    expect(everyone.body.length).toBeLessThanOrEqual(core.config.SEARCH_LIMIT);
  });

  it('does not match the middle of a name', async () => {
    const tag = uniqueTag();
    await register({ first_name: `Qq${tag}`, second_name: `Ww${tag}`, password: 'long enough' });
    expect((await search(tag, `Ww${tag}`)).body).toEqual([]);
    expect((await search(`Qq${tag}`, tag)).body).toEqual([]);
  });

  it('matches Cyrillic case-insensitively: "конст" finds "Константин"', async () => {
    const tag = uniqueTag();
    const last = `Осипов${tag}`;
    const id = await register({ first_name: 'Константин', second_name: last, password: 'long enough' });
    const reply = await search('конст', `осипов${tag}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual([{ id, first_name: 'Константин', second_name: last }]);
    const upper = await search('КОНСТ', `ОСИПОВ${tag.toUpperCase()}`);
    expect(upper.body).toEqual([{ id, first_name: 'Константин', second_name: last }]);
  });

  it('never matches users who have no name', async () => {
    const tag = uniqueTag();
    await register({ first_name: `Nn${tag}`, password: 'long enough' });
    expect((await search(`Nn${tag}`, 'a')).body).toEqual([]);
  });

  it('treats % _ and \\ as literal characters, not wildcards', async () => {
    const tag = uniqueTag();
    const last = `Lit${tag}`;
    const percent = await register({ first_name: `50%off${tag}`, second_name: last, password: 'long enough' });
    const underscore = await register({ first_name: `a_b${tag}`, second_name: last, password: 'long enough' });
    const backslash = await register({ first_name: `c\\d${tag}`, second_name: last, password: 'long enough' });
    await register({ first_name: `50xoff${tag}`, second_name: last, password: 'long enough' });
    await register({ first_name: `axb${tag}`, second_name: last, password: 'long enough' });
    await register({ first_name: `cd${tag}`, second_name: last, password: 'long enough' });

    const ids = async (first: string) => (await search(first, last)).body.map((u: { id: string }) => u.id);
    expect(await ids('50%')).toEqual([percent]);
    expect(await ids('a_b')).toEqual([underscore]);
    expect(await ids('c\\d')).toEqual([backslash]);
    expect(await ids('%')).toEqual([]);
    expect(await ids('_')).toEqual([]);
    expect(await ids('\\')).toEqual([]);
    // The last name alone as a wildcard must not match everyone either.
    expect((await search('%', '%')).body).toEqual([]);
    expect((await search('_', '_')).body).toEqual([]);
  });

  it('treats SQL in the query as text', async () => {
    const tag = uniqueTag();
    const first = `' OR 1=1 --${tag}`;
    const id = await register({ first_name: first, second_name: `Sql${tag}`, password: 'long enough' });
    expect((await search("' OR 1=1 --", "' OR 1=1 --")).body).toEqual([]);
    expect((await search("'; DROP TABLE users; --", 'x')).body).toEqual([]);
    expect((await search(first, `sql${tag}`)).body).toEqual([{ id, first_name: first, second_name: `Sql${tag}` }]);
    // Still there.
    expect((await anon.get(`/user/get/${id}`)).status).toBe(200);
  });

  it.each([
    ['no parameters', ''],
    ['no last_name', '?first_name=a'],
    ['no first_name', '?last_name=a'],
    ['a repeated first_name', '?first_name=a&first_name=b&last_name=a'],
    ['a first_name over 100 characters', `?first_name=${'a'.repeat(101)}&last_name=a`],
    ['a NUL in the query', '?first_name=a%00&last_name=a'],
    ['bracket syntax', '?first_name[x]=a&last_name=a'],
  ])('answers 400 for %s', async (_what, query) => {
    expectError(await anon.get(`/user/search${query}`), 400, Codes.invalidInput);
  });

  it('answers 400, not 500, for a malformed percent-encoding', async () => {
    const reply = await anon.get('/user/search?first_name=%E0%A4%A&last_name=a');
    expect(reply.status).toBeLessThan(500);
    expect(reply.status === 200 || reply.status === 400).toBe(true);
  });
});

describe('GET /user/search limit', () => {
  let small: Harness;
  beforeAll(async () => {
    small = await startCore({ SEARCH_LIMIT: '3' });
  });
  afterAll(() => small.close());

  it('returns at most SEARCH_LIMIT users, the lowest ids first', async () => {
    const client = new Client(small.url);
    const tag = uniqueTag();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await client.post('/user/register', { first_name: `Lim${tag}${i}`, second_name: `Lim${tag}`, password: 'long enough' });
      ids.push(reply.body.user_id);
    }
    const reply = await client.get(`/user/search?first_name=lim${tag}&last_name=lim${tag}`);
    expect(reply.status).toBe(200);
    expect(reply.body.map((u: { id: string }) => u.id)).toEqual(ids.slice(0, 3));
  });

  it('defaults to 100', () => {
    expect(core.config.SEARCH_LIMIT).toBe(100);
  });
});
