// Hostile or broken requests get a 4xx with {message, request_id, code}, never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { Codes, expectError, raw } from './helpers.ts';

let core: Harness;
let anon: Client;
let alice: Client & { userId: string };
let postId: string;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
  alice = await anon.signUp();
  postId = (await alice.post('/post/create', { text: 'target' })).body;
});
afterAll(() => core.close());

const json = { 'content-type': 'application/json' };
const auth = () => ({ authorization: `Bearer ${alice.token}` });

/** Every JSON-body endpoint, with the headers it needs. */
const bodyEndpoints = (): [string, string, Record<string, string>][] => [
  ['POST', '/user/register', {}],
  ['POST', '/login', {}],
  ['POST', '/post/create', auth()],
  ['PUT', '/post/update', auth()],
];

describe('malformed bodies', () => {
  it.each([
    ['malformed JSON', '{"text": '],
    ['a trailing comma', '{"text": "a",}'],
    ['single quotes', "{'text': 'a'}"],
    ['a bare word', 'hello'],
    ['invalid UTF-8 escapes', '{"text": "\\uZZZZ"}'],
  ])('answers 400 for %s', async (_what, body) => {
    for (const [method, path, headers] of bodyEndpoints()) {
      const reply = await raw(core.url, method, path, { body, headers: { ...headers, ...json } });
      expect(reply.status, `${method} ${path}`).toBe(400);
      expectError(reply, 400, Codes.invalidInput);
    }
  });

  it.each([
    ['a top-level array', '[{"text": "a", "password": "long enough"}]'],
    ['a top-level string', '"text"'],
    ['a top-level number', '42'],
    ['a top-level null', 'null'],
    ['a top-level boolean', 'true'],
    ['an empty object', '{}'],
    ['an empty body', ''],
  ])('answers 400 for %s', async (_what, body) => {
    for (const [method, path, headers] of bodyEndpoints()) {
      const reply = await raw(core.url, method, path, { body, headers: { ...headers, ...json } });
      expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(400);
      expectError(reply, 400, Codes.invalidInput);
    }
  });

  it('answers 400 for a body with no Content-Type', async () => {
    for (const [method, path, headers] of bodyEndpoints()) {
      const body = Buffer.from(JSON.stringify({ id: postId, text: 'x', password: 'long enough' }));
      const reply = await raw(core.url, method, path, { body, headers });
      expect(reply.status, `${method} ${path}`).toBe(400);
      expectError(reply, 400, Codes.invalidInput);
    }
  });

  it('answers 4xx for a form-encoded or text body', async () => {
    for (const [method, path, headers] of bodyEndpoints()) {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const reply = await raw(core.url, method, path, { body: 'text=a&password=long+enough', headers: { ...headers, 'content-type': type } });
        expect(reply.status, `${method} ${path} ${type}`).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        expectError(reply, reply.status);
      }
    }
  });

  it('answers 415 for a non-UTF-8 charset', async () => {
    const reply = await raw(core.url, 'POST', '/post/create', {
      body: '{"text": "a"}',
      headers: { ...auth(), 'content-type': 'application/json; charset=latin1' },
    });
    expectError(reply, 415, Codes.unsupportedMediaType);
  });

  it('answers 413 for a body over BODY_LIMIT_BYTES, on every JSON endpoint', async () => {
    const limit = core.config.BODY_LIMIT_BYTES;
    for (const [method, path, headers] of bodyEndpoints()) {
      const body = JSON.stringify({ text: 'x'.repeat(limit + 1), password: 'long enough', id: postId });
      const reply = await raw(core.url, method, path, { body, headers: { ...headers, ...json } });
      expectError(reply, 413, Codes.payloadTooLarge);
    }
  });

  it('still accepts a body just under BODY_LIMIT_BYTES (and then applies its own rules)', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(core.config.BODY_LIMIT_BYTES - 100) });
    const reply = await raw(core.url, 'POST', '/post/create', { body, headers: { ...auth(), ...json } });
    // Larger than POST_MAX_CHARS, smaller than the body limit: a validation error, not 413.
    expectError(reply, 400, Codes.invalidInput);
  });

  it('answers 400 for deeply nested JSON', async () => {
    const body = `{"text": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expectError(await raw(core.url, 'POST', '/post/create', { body, headers: { ...auth(), ...json } }), 400);
  });

  it('is not fooled by __proto__ keys', async () => {
    const body = '{"__proto__": {"text": "polluted"}, "constructor": {"prototype": {"x": 1}}}';
    expectError(await raw(core.url, 'POST', '/post/create', { body, headers: { ...auth(), ...json } }), 400);
    expect(({} as Record<string, unknown>).text).toBeUndefined();
  });
});

describe('wrong types and missing fields', () => {
  it.each([
    ['/user/register', { password: 12345678 }],
    ['/user/register', { password: ['long enough'] }],
    ['/user/register', { password: null }],
    ['/user/register', { password: { value: 'long enough' } }],
    ['/user/register', { first_name: 'no password' }],
    ['/login', { id: true, password: 'x' }],
    ['/login', { id: { $gt: 0 }, password: 'x' }],
    ['/login', { id: '1', password: null }],
    ['/login', { id: '1', password: ['a'] }],
    ['/post/create', { text: 1 }],
    ['/post/create', { text: null }],
    ['/post/create', { text: [] }],
    ['/post/create', { body: 'wrong field name' }],
  ])('POST %s %j → 400', async (path, body) => {
    const client = path === '/post/create' ? alice : anon;
    expectError(await client.post(path, body), 400, Codes.invalidInput);
  });

  it.each([[{ id: [1], text: 'x' }], [{ id: { id: 1 }, text: 'x' }], [{ id: true, text: 'x' }], [{ id: 1e300, text: 'x' }], [{ id: Number.MAX_SAFE_INTEGER + 2, text: 'x' }], [{ text: 'x' }], [{ id: '1' }]])(
    'PUT /post/update %j → 400',
    async (body) => {
      expectError(await alice.put('/post/update', body), 400, Codes.invalidInput);
    },
  );

  it.each([[{ id: '9'.repeat(40), text: 'x' }], [{ id: 'abc', text: 'x' }], [{ id: '1d535fd6-7521-4cb1-aa6d-031be7123c4d', text: 'x' }]])(
    'PUT /post/update %j → 404: a string id is what the contract asks for, and this one names no post',
    async (body) => {
      expectError(await alice.put('/post/update', body), 404, Codes.notFound);
    },
  );
});

describe('text content', () => {
  it('refuses NUL characters in every text field with 400', async () => {
    expectError(await anon.post('/user/register', { password: 'long enough', first_name: 'a\u0000b' }), 400);
    expectError(await anon.post('/user/register', { password: 'long enough', biography: '\u0000' }), 400);
    expectError(await anon.post('/user/register', { password: 'long enough', city: 'x\u0000' }), 400);
    expectError(await alice.post('/post/create', { text: '\u0000' }), 400);
    expectError(await alice.put('/post/update', { id: postId, text: 'x\u0000y' }), 400);
    expectError(await anon.get('/user/search?first_name=%00&last_name=a'), 400);
  });

  it('refuses empty and whitespace-only posts', async () => {
    for (const text of ['', ' ', '\n\n', '\t \r\n']) {
      expectError(await alice.post('/post/create', { text }), 400, Codes.invalidInput);
      expectError(await alice.put('/post/update', { id: postId, text }), 400, Codes.invalidInput);
    }
  });

  it('refuses post text over POST_MAX_CHARS', async () => {
    const text = 'é'.repeat(core.config.POST_MAX_CHARS + 1);
    expectError(await alice.post('/post/create', { text }), 400, Codes.invalidInput);
  });

  it('refuses lone UTF-16 surrogates (no UTF-8 form) with 400, but keeps real emoji', async () => {
    const send = (method: string, path: string, body: string, headers: Record<string, string> = {}) => raw(core.url, method, path, { body, headers: { ...headers, ...json } });
    expectError(await send('POST', '/post/create', '{"text": "\\ud800 lone"}', auth()), 400, Codes.invalidInput);
    expectError(await send('POST', '/post/create', '{"text": "low \\udc00 first"}', auth()), 400, Codes.invalidInput);
    expectError(await send('PUT', '/post/update', `{"id": "${postId}", "text": "\\ud83d"}`, auth()), 400, Codes.invalidInput);
    expectError(await send('POST', '/user/register', '{"password": "long enough", "first_name": "\\udfff"}'), 400, Codes.invalidInput);
    const ok = await send('POST', '/post/create', '{"text": "pair \\ud83d\\ude00"}', auth());
    expect(ok.status).toBe(200);
    expect((await anon.get(`/post/get/${ok.body}`)).body.text).toBe('pair 😀');
  });
});

describe('ids in paths', () => {
  const getters = ['/user/get/', '/post/get/'];
  const writers = ['/friend/set/', '/friend/delete/', '/post/delete/'];
  const badIds = [
    'abc',
    '-1',
    '0',
    '007',
    '1.0',
    '1e3',
    '0x10',
    '%201',
    '1%20',
    '+1',
    '１', // full-width digit
    '9223372036854775808',
    '18446744073709551616',
    '9'.repeat(100),
    "1'%20OR%20'1'='1",
    '1;DROP%20TABLE%20users',
  ];

  // The contract types ids as plain strings: a string the API never issued names nothing.
  it.each(badIds)('answers 404 for %j, an id never issued, on every id route', async (id) => {
    for (const prefix of getters) expectError(await anon.get(prefix + encodeURI(id).replace(/%25/g, '%')), 404, Codes.notFound);
    for (const prefix of writers) expectError(await alice.put(prefix + encodeURI(id).replace(/%25/g, '%')), 404, Codes.notFound);
  });

  it('answers 404 for the largest int64 id', async () => {
    for (const prefix of getters) expectError(await anon.get(`${prefix}9223372036854775807`), 404, Codes.notFound);
    for (const prefix of writers) expectError(await alice.put(`${prefix}9223372036854775807`), 404, Codes.notFound);
  });

  it('answers 400, not 500, for a broken percent-encoding in the path', async () => {
    const reply = await anon.get('/user/get/%E0%A4%A');
    expect(reply.status).toBe(400);
    expectError(reply, 400);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['GET', '/user'],
    ['GET', '/user/get'],
    ['POST', '/user/get/1'],
    ['DELETE', '/post/delete/1'],
    ['GET', '/post/create'],
    ['PATCH', '/post/update'],
    ['GET', '/dialog/1/list'],
    ['POST', '/dialog/1/send'],
    ['GET', '/../../etc/passwd'],
  ])('%s %s → 404 JSON', async (method, path) => {
    expectError(await raw(core.url, method, path, { headers: auth() }), 404, Codes.notFound);
  });
});

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id in the header and the error body', async () => {
    const reply = await raw(core.url, 'GET', '/user/get/abc', { headers: { 'x-request-id': 'trace-123.abc_X' } });
    expectError(reply, 404);
    expect((reply.body as { request_id: string }).request_id).toBe('trace-123.abc_X');
  });

  it('replaces a malformed X-Request-Id with a fresh one', async () => {
    const reply = await raw(core.url, 'GET', '/user/get/abc', { headers: { 'x-request-id': 'bad id <script>' } });
    expectError(reply, 404);
    expect((reply.body as { request_id: string }).request_id).not.toContain('<');
  });

  it('gives each request its own id', async () => {
    const a = await anon.get('/user/get/abc');
    const b = await anon.get('/user/get/abc');
    expect(a.body.request_id).not.toBe(b.body.request_id);
  });
});
