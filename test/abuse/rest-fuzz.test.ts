// Property-based fuzzing of every REST endpoint against a real core: arbitrary JSON bodies (any
// type, nesting, unicode with lone surrogates and NUL), raw non-JSON bodies and bytes, arbitrary
// path ids, query strings (repeated parameters, broken percent-encoding) and header garbage.
// Whatever comes in: never a 5xx, every 4xx is the one JSON error shape, and core stays healthy.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signToken, tokenKey } from '@feed/contracts';
import { startCore, type Harness } from '../../core/test/harness.ts';
import { Client } from '../../core/test/client.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let core: Harness;
let alice: Client & { userId: string };
let bob: Client & { userId: string };
let carol: Client & { userId: string };
const alicePosts: string[] = [];
/** status → count, per endpoint, printed at the end (the figures in docs/reliability.md). */
const seen = new Map<string, Map<number, number>>();

beforeAll(async () => {
  core = await startCore();
  const anon = new Client(core.url);
  [alice, bob, carol] = await Promise.all([anon.signUp({ first_name: 'Fuzz', second_name: 'Alice' }), anon.signUp({ first_name: 'Fuzz', second_name: 'Bob' }), anon.signUp({ first_name: 'Fuzz', second_name: 'Carol' })]);
  await bob.put(`/friend/set/${alice.userId}`);
  for (let i = 0; i < 30; i++) alicePosts.push((await alice.post('/post/create', { text: `seed ${i}` })).body);
}, 60_000);

afterAll(async () => {
  for (const [endpoint, statuses] of seen) {
    const parts = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(`[rest-fuzz] ${endpoint.padEnd(28)} ${parts.join(' ')}`);
  }
  await core?.close();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A request exactly as generated: raw path, raw headers, raw body bytes. */
function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Reply> {
  const url = new URL(core.url);
  return new Promise((resolve, reject) => {
    // One connection per request, with an honest Content-Length: a request the server refuses
    // half-read must not poison the next one.
    const all = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: all, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.end(body);
  });
}

/** Never a 5xx; a 4xx is `{message, request_id, code}` as JSON with the id echoed in X-Request-Id. */
function check(endpoint: string, method: string, reply: Reply, what: () => string): void {
  const counts = seen.get(endpoint) ?? new Map<number, number>();
  counts.set(reply.status, (counts.get(reply.status) ?? 0) + 1);
  seen.set(endpoint, counts);
  const context = () => `${endpoint}: ${reply.status} ${reply.text.slice(0, 300)}\nrequest: ${what().slice(0, 1500)}`;
  if (reply.status >= 500 || reply.status < 200) throw new Error(`server error ${context()}`);
  if (reply.status < 400 || method === 'HEAD') return;
  // Node's HTTP server answers an Expect other than 100-continue itself, before the app, with a
  // bare 417 (RFC 9110 §10.1.1); it never reaches express. Accepted and documented.
  if (reply.status === 417 && reply.text === '') return;
  // Likewise a request line plus headers over Node's 16 KiB limit gets a bare 431 from the parser.
  if (reply.status === 431 && reply.text === '') return;
  if (!/^application\/json/.test(String(reply.headers['content-type'] ?? ''))) throw new Error(`non-JSON error ${context()}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new Error(`unparseable error body ${context()}`);
  }
  const keys = Object.keys(body ?? {})
    .sort()
    .join(',');
  if (keys !== 'code,message,request_id') throw new Error(`error shape ${keys} ${context()}`);
  if (typeof body.message !== 'string' || !body.message) throw new Error(`empty message ${context()}`);
  if (typeof body.request_id !== 'string' || body.request_id !== reply.headers['x-request-id']) throw new Error(`request id ${context()}`);
  if (!Number.isInteger(body.code)) throw new Error(`code ${context()}`);
}

// ---- arbitraries ---------------------------------------------------------------------------

/** One UTF-16 unit or code point, biased towards the characters that break things. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', '1', '9', ' ', '-', '_', '.') },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }, // lone surrogates
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\u0001', '\n', '\r', '\t', '\u007f', '\u0085', '\u2028', '\u200b', '\ufeff', '\u202e', '\uffff') },
  { weight: 2, arbitrary: fc.constantFrom('%', '\\', '"', "'", '/', '?', '#', '&', '=', '+', ';', '[', ']', '{', '}', '<', '>', '$', '*') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('😀', 'é', 'ß', '１', '٣', 'Ω', 'İ') },
);
const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9000 }).map((n) => 'x'.repeat(n)) }, // around the length limits
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n\t ', '__proto__', 'constructor', 'null', 'true', '1e3', '-1', '0') },
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1, -1, 1.5, 1e300, -1e300, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, Number('9223372036854775807')), // int64's maximum as JSON writes it (rounded to 2^63)
);
const key = fc.oneof(fc.constantFrom('id', 'text', 'password', 'first_name', 'second_name', 'birthdate', 'biography', 'city', '__proto__', 'constructor'), text);
const leaf = fc.oneof(text, number, fc.boolean(), fc.constant(null));
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
}));

/** One of values known only once the suite runs (ids created in beforeAll). */
const pick = (values: () => string[]) =>
  fc.nat().map((i) => {
    const all = values();
    return all[i % all.length]!;
  });

const digits = fc.oneof(fc.bigInt({ min: 1n, max: 2n ** 70n }).map(String), fc.constantFrom('0', '00', '007', '-1', '+1', '1.0', '1e3', '0x10', '9223372036854775807', '9223372036854775808', '18446744073709551616', '9'.repeat(60)));
/** An id in a body: the right kinds (existing, digits, numbers) and the wrong ones. */
const idLike = (existing: () => string[]) => fc.oneof({ weight: 3, arbitrary: pick(existing) }, { weight: 2, arbitrary: digits }, { weight: 2, arbitrary: number }, { weight: 2, arbitrary: jsonValue });

/** A body for an endpoint: near the schema (known keys, arbitrary values) or anything at all. */
function bodyFor(fields: Record<string, fc.Arbitrary<unknown>>) {
  const shaped = fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, fc.oneof(a, jsonValue)])), { requiredKeys: [] });
  const extra = fc.tuple(shaped, fc.dictionary(key, jsonValue, { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a }));
  return fc.oneof({ weight: 4, arbitrary: shaped.map((v) => ({ json: v })) }, { weight: 2, arbitrary: extra.map((v) => ({ json: v })) }, { weight: 2, arbitrary: jsonValue.map((v) => ({ json: v })) }, { weight: 2, arbitrary: rawBody });
}

/** Bodies that are not JSON.stringify output: broken JSON, deep nesting, huge numbers, bytes. */
const rawBody = fc.oneof(
  fc.string({ unit, maxLength: 60 }).map((s) => ({ raw: s })),
  fc
    .constantFrom(
      '{"text": ',
      '{"text": "a",}',
      "{'text': 'a'}",
      '{"text": "\\ud800"}',
      '{"text": "\\uZZZZ"}',
      '{"id": 123456789012345678901234567890, "text": "a"}',
      '{"id": 1e400, "text": "a"}',
      '{"text": "a", "text": 1}',
      `{"text": ${'['.repeat(3000)}${']'.repeat(3000)}}`,
      `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
      '\ufeff{"text": "bom"}',
      '',
      'null',
    )
    .map((s) => ({ raw: s })),
  fc.uint8Array({ maxLength: 80 }).map((b) => ({ raw: Buffer.from(b) })),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => ({ raw: JSON.stringify({ text: 'y'.repeat(n), password: 'p'.repeat(n) }) })),
);

/** Header values as an HTTP client can send them: tab, printable ASCII and Latin-1 bytes. */
const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c));
const headerText = fc.string({ unit: headerChar, maxLength: 60 });

const contentType = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; charset=""',
        'application/json;;;',
        'application/*+json',
        'application/vnd.api+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '*/*',
        '',
        ';',
      ),
    },
    { weight: 1, arbitrary: headerText },
  ),
  { freq: 8 },
);

/** Authorization: mostly a real token (so validation is reached), otherwise garbage. */
const authorization = (token: () => string) =>
  fc.option(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(null).map(() => `Bearer ${token()}`) },
      {
        weight: 3,
        arbitrary: fc.oneof(
          headerText,
          headerText.map((s) => `Bearer ${s}`),
          fc.constant(null).map(() => `Bearer ${token()}x`),
          fc.constant(null).map(() => `Bearer ${token().split('.').slice(0, 2).join('.')}.`),
          fc.constant(null).map(() => `bearer    ${token()}   `),
          fc.constant(null).map(() => `Bearer ${token()} ${token()}`),
          fc.constantFrom('Bearer', 'Bearer ', 'Basic YWxpY2U6c2VjcmV0', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', 'Bearer a.b.c', 'Bearer ....'),
        ),
      },
    ),
    { freq: 10 },
  );

const extraHeaders = fc.dictionary(
  fc.constantFrom('accept', 'accept-charset', 'content-encoding', 'x-request-id', 'cookie', 'origin', 'x-forwarded-for', 'accept-encoding', 'range', 'if-none-match'),
  fc.oneof(headerText, fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-gzip', 'application/json', '*/*', '100-continue', 'bytes=0-1', 'feed_token=%E0%A4%A')),
  { maxKeys: 3 },
);

/** A path segment written as a client might: safe characters as is, the rest percent-encoded, or broken escapes. */
function encodeSegment(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
const badPercent = fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%u0041', '%2', '%2F', '%5C', '%2e%2e', '..', '%0A', '%F0%9F%98');
const segment = fc.oneof(
  { weight: 3, arbitrary: digits },
  { weight: 3, arbitrary: text.map(encodeSegment) },
  { weight: 2, arbitrary: fc.array(fc.oneof(badPercent, digits, text.map(encodeSegment)), { minLength: 1, maxLength: 3 }).map((p) => p.join('')) },
);
const querySegment = fc.oneof(
  text.map((s) => encodeSegment(s).replace(/&/g, '%26').replace(/=/g, '%3D').replace(/\+/g, '%2B')),
  badPercent,
  digits,
);

/** A query string with the endpoint's parameters (repeated, empty, broken) and strangers. */
function queryFor(names: string[]) {
  const name = fc.oneof(fc.constantFrom(...names, ...names.map((n) => `${n}[]`), ...names.map((n) => `${n}[x]`), '__proto__', 'token'), querySegment);
  const pair = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(name, querySegment).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: name },
    { weight: 1, arbitrary: fc.tuple(name, querySegment, querySegment).map(([k, a, b]) => `${k}=${a}=${b}`) },
  );
  return fc
    .option(
      fc.tuple(fc.array(pair, { maxLength: 6 }), fc.constantFrom('&', '&', '&&', ';')).map(([p, sep]) => `?${p.join(sep)}`),
      { freq: 10 },
    )
    .map((q) => q ?? '');
}

// ---- the endpoints -------------------------------------------------------------------------

interface Endpoint {
  method: string;
  /** The route with `:id` where an id goes. */
  route: string;
  auth: boolean;
  body?: Record<string, fc.Arbitrary<unknown>>;
  query?: string[];
  /** Whose token the Authorization header carries when it carries a valid one (alice's unless said). */
  token?: () => string;
}

const password = fc.oneof(fc.constant('correct horse battery'), text);
const endpoints = (): Endpoint[] => [
  {
    method: 'POST',
    route: '/user/register',
    auth: false,
    body: {
      password,
      first_name: text,
      second_name: text,
      city: text,
      biography: text,
      birthdate: fc.oneof(fc.constantFrom('1990-01-01', '1899-12-31', '2999-01-01', '1990-02-30', '1990-1-1', '1990-01-01T00:00:00Z', '0000-00-00'), text),
    },
  },
  { method: 'POST', route: '/login', auth: false, body: { id: idLike(() => [alice.userId, bob.userId]), password } },
  // Logout revokes the token it gets: carol's, so alice's stays valid for the endpoints after it.
  { method: 'POST', route: '/logout', auth: false, body: {}, token: () => carol.token! },
  { method: 'GET', route: '/user/get/:id', auth: false },
  { method: 'GET', route: '/user/search', auth: false, query: ['first_name', 'last_name'] },
  { method: 'PUT', route: '/friend/set/:id', auth: true },
  { method: 'PUT', route: '/friend/delete/:id', auth: true },
  { method: 'GET', route: '/friend/status/:id', auth: true },
  { method: 'POST', route: '/post/create', auth: true, body: { text } },
  { method: 'PUT', route: '/post/update', auth: true, body: { id: idLike(() => alicePosts), text } },
  { method: 'PUT', route: '/post/delete/:id', auth: true },
  { method: 'GET', route: '/post/get/:id', auth: false },
  { method: 'GET', route: '/post/list/:id', auth: false, query: ['limit'] },
  { method: 'GET', route: '/post/feed', auth: true, query: ['offset', 'limit'] },
  { method: 'GET', route: '/cluster', auth: true },
];

const existingIds = () => [alice.userId, bob.userId, ...alicePosts.slice(-5)];
const pathId = fc.oneof({ weight: 1, arbitrary: pick(existingIds) }, { weight: 4, arbitrary: segment });

function requestFor(e: Endpoint) {
  return fc.record({
    id: pathId,
    query: e.query ? queryFor(e.query) : fc.option(queryFor(['x']), { freq: 4 }).map((q) => q ?? ''),
    body: e.body ? fc.option(bodyFor(e.body), { freq: 12 }) : fc.option(bodyFor({ text }), { freq: 2 }),
    contentType,
    authorization: authorization(e.token ?? (() => alice.token!)),
    extra: extraHeaders,
  });
}

type Generated = ReturnType<typeof requestFor> extends fc.Arbitrary<infer T> ? T : never;

function build(e: Endpoint, r: Generated) {
  const path = e.route.replace(':id', r.id) + r.query;
  const headers: Record<string, string> = { ...r.extra };
  if (r.contentType !== null) headers['content-type'] = r.contentType;
  if (e.auth ? r.authorization !== null : r.authorization !== null && r.id.length % 3 === 0) headers.authorization = r.authorization!;
  let body: string | Buffer | undefined;
  if (r.body) body = 'raw' in r.body ? r.body.raw : JSON.stringify(r.body.json);
  // Content-Encoding with a body that is not encoded that way is part of the garbage.
  return { path, headers, body };
}

/** fc.assert, but a failure's message stays readable (counterexamples can be 60 KiB bodies). */
async function holds<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  const details = await fc.check(property, { numRuns });
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample).slice(0, 1500);
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`property failed (seed ${details.seed}, path ${details.counterexamplePath}) after ${details.numRuns} runs:\n${cause}\ncounterexample: ${example}`);
}

describe('REST fuzzing: never a 5xx, always the error shape', () => {
  for (const e of endpoints()) {
    it(`${e.method} ${e.route}`, async () => {
      await holds(
        fc.asyncProperty(requestFor(e), async (r) => {
          const { path, headers, body } = build(e, r);
          const reply = await send(e.method, path, headers, body);
          check(`${e.method} ${e.route}`, e.method, reply, () => JSON.stringify({ path, headers, body: typeof body === 'string' ? body.slice(0, 500) : body?.toString('hex').slice(0, 200) }));
        }),
        RUNS,
      );
    }, 60_000);
  }

  it('any method on any path', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'M-SEARCH');
    const root = fc.constantFrom('/user', '/post', '/friend', '/login', '/logout', '/cluster', '/health', '/metrics', '/dialog', '', '/assets', '/index.html');
    const path = fc.tuple(root, fc.array(segment, { maxLength: 3 }), queryFor(['x'])).map(([r, s, q]) => `${r}/${s.join('/')}${q}`);
    await holds(
      fc.asyncProperty(
        method,
        path,
        authorization(() => alice.token!),
        async (m, p, a) => {
          const reply = await send(m, p, a ? { authorization: a } : {});
          check('* (any method, any path)', m, reply, () => `${m} ${p}`);
        },
      ),
      RUNS * 2,
    );
  }, 60_000);

  it('refuses a genuinely signed token whose subject is beyond int64 with 401, not a 500', async () => {
    // Only the holder of JWT_SECRET can mint one; still, the id must never reach SQL out of range.
    const key = tokenKey(core.config.JWT_SECRET);
    for (const sub of ['9223372036854775808', '9999999999999999999']) {
      const token = await signToken(sub, key, 60);
      for (const [method, path] of [
        ['GET', '/post/feed'],
        ['GET', '/friend/status/1'],
        ['PUT', '/friend/set/1'],
        ['POST', '/post/create'],
      ] as const) {
        const reply = await send(method, path, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, method === 'POST' ? '{"text":"x"}' : undefined);
        check('signed token, sub beyond int64', method, reply, () => `${method} ${path} sub=${sub}`);
        expect(reply.status, `${method} ${path}`).toBe(401);
      }
    }
  });

  it('stays healthy afterwards, and still serves real users', async () => {
    const health = await fetch(`${core.url}/health`);
    expect(health.status).toBe(200);
    // Any path may have been POST /logout/ with alice's token: real users log in again after a logout.
    for (const user of [alice, bob]) {
      const login = await new Client(core.url).post<{ token: string }>('/login', { id: user.userId, password: 'correct horse battery' });
      expect(login.status).toBe(200);
      user.token = login.body.token;
    }
    const postId = (await alice.post('/post/create', { text: 'still here' })).body;
    expect((await bob.get(`/post/get/${postId}`)).body.text).toBe('still here');
    const feed = await bob.get('/post/feed?limit=1');
    expect(feed.status).toBe(200);
    expect(feed.body[0].id).toBe(postId);
  });
});
