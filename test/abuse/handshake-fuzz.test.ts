// Property-based fuzzing of the stream's handshakes through HAProxy: WebSocket upgrades and SSE
// requests with arbitrary methods, query strings (tokens, resume ids, broken percent-encoding,
// repeated parameters), cookies, Authorization headers, subprotocol lists, Origins and extra
// headers, with tokens valid, revoked, expired, forged or garbage. Whatever comes in, the
// answer is never a 5xx, the gateway stays up, and another user's open streams keep flowing:
// a marker post written after the last run reaches them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { STREAM_PATH, signToken, tokenKey } from '@feed/contracts';
import { Client } from '../../core/test/client.ts';
import { openFeed, openWs, type FeedStream, type WsClient } from '../../gateway/test/clients.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/ports.ts';
import { exchange } from './raw.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

let stack: Stack;
let port: number;
let author: Client & { userId: string };
let watcherWs: WsClient;
let watcherSse: FeedStream;
const tokens: Record<'valid' | 'revoked' | 'expired' | 'forged', string> = { valid: '', revoked: '', expired: '', forged: '' };
/** Answer status → count, printed at the end. */
const seen = new Map<string, number>();

beforeAll(async () => {
  stack = await startStack({ gateways: 1 });
  port = Number(new URL(stack.url).port);
  const api = new Client(stack.url);
  const [writer, watcher, fuzzer] = await Promise.all([api.signUp(), api.signUp(), api.signUp()]);
  author = writer;
  await watcher.put(`/friend/set/${author.userId}`);
  watcherWs = await openWs(stack.wsUrl, { token: watcher.token });
  watcherSse = await openFeed(stack.url, { token: watcher.token, transport: 'sse' });
  await waitFor('the watcher online', async () => ((await stack.pipeline.cache.presence.lookup([watcher.userId])).get(watcher.userId) ?? []).length > 0);

  tokens.valid = fuzzer.token!;
  const second = await api.post<{ token: string }>('/login', { id: fuzzer.userId, password: 'correct horse battery' });
  tokens.revoked = second.body.token;
  expect((await new Client(stack.url, tokens.revoked).post('/logout')).status).toBe(204);
  tokens.expired = await signToken(fuzzer.userId, tokenKey(stack.pipeline.config.JWT_SECRET), -60);
  tokens.forged = await signToken(watcher.userId, tokenKey('a-secret-that-nobody-configured-0123456789'), 600);
}, 120_000);

afterAll(async () => {
  console.log(
    `[handshake-fuzz] answers ${[...seen]
      .sort()
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
  );
  watcherWs?.close();
  watcherSse?.close();
  await stack?.close();
});

/** Printable ASCII (what a well-formed header carries), sometimes with obs-text bytes or a control character. */
const ascii = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
const bytes = (max: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x01, max: 0xff })
      .filter((c) => c !== 0x0a && c !== 0x0d)
      .map((c) => String.fromCharCode(c)),
    maxLength: max,
  });
const headerValue = fc.oneof({ weight: 8, arbitrary: ascii(60) }, { weight: 1, arbitrary: bytes(30) });
/** Characters a request target may hold without HAProxy refusing the request line outright. */
const uriChar = fc.constantFrom(..."abcxyzABC0123456789-._~!$&'()*+,;=:@/?%".split(''));
const uriJunk = fc.string({ unit: uriChar, maxLength: 30 });

/** Mostly a well-formed value, sometimes junk, sometimes absent: most requests get past the first check. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad }, { weight: 1, arbitrary: fc.constant(undefined) });

const token = fc.oneof(
  { weight: 12, arbitrary: fc.constant('valid').map(() => tokens.valid) },
  { weight: 3, arbitrary: fc.constantFrom('revoked', 'expired', 'forged').map((k) => tokens[k as keyof typeof tokens]) },
  { weight: 2, arbitrary: fc.constantFrom('', 'garbage', 'a.b.c', '%', '%zz', 'e30.e30.', 'x'.repeat(2000)) },
  { weight: 1, arbitrary: uriJunk },
);
const junkId = fc.constantFrom('%E0%A4%A', '%00', '%', '0.0.0', '1-0.5-0.0', 'NaN', '99999999999999999999.1-0.0', '');
const queryValue = fc.oneof(
  token.map((t) => encodeURIComponent(t)),
  token,
  uriJunk,
  junkId,
);
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('since', 'lastEventId', 'token', 'token[]', ''), uriJunk), queryValue), { maxLength: 3 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

const request = fc.record({
  /** Which handshake the well-formed parts describe. */
  kind: fc.constantFrom('websocket', 'sse'),
  /** Where the token goes (several at once, or none, now and then). */
  carriers: fc.subarray(['header', 'query', 'cookie'] as const, { minLength: 0, maxLength: 3 }),
  token,
  method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE') }),
  path: fc.oneof({ weight: 8, arbitrary: fc.constant(STREAM_PATH) }, { weight: 1, arbitrary: fc.constantFrom(`${STREAM_PATH}/`, '/post/feed/posted%2F', '//post/feed/posted', '/post/feed/posted;x') }),
  query,
  upgrade: mostly(fc.constantFrom('websocket', 'WebSocket'), fc.oneof(fc.constantFrom('h2c', 'websocket, foo', ''), headerValue)),
  connection: mostly(fc.constantFrom('Upgrade', 'keep-alive, Upgrade', 'upgrade'), fc.oneof(fc.constantFrom('close', ''), headerValue)),
  key: mostly(fc.constant(randomBytes(16).toString('base64')), ascii(30)),
  version: mostly(fc.constant('13'), fc.oneof(fc.constantFrom('8', '', '13, 8', '99999999999999999999'), ascii(5))),
  protocols: mostly(
    fc.constantFrom('feed.v1', 'chat, feed.v1', ''),
    fc.array(fc.oneof(fc.constantFrom('feed.v1', 'FEED.V1', 'chat', '', 'feed.v1 feed.v1'), ascii(12)), { maxLength: 4 }).map((p) => p.join(', ')),
  ),
  accept: mostly(fc.constantFrom('text/event-stream', 'text/event-stream;q=0.1, */*'), fc.oneof(fc.constantFrom('*/*', 'application/json'), headerValue)),
  otherCookies: mostly(fc.constantFrom('a=b', 'feed_token=x', 'feed_token=', '=; ;'), headerValue),
  /** An Authorization header that carries no token, now and then. */
  authorizationJunk: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('Bearer', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'bearer  '), headerValue) }),
  origin: mostly(fc.constantFrom('same', 'http://evil.example', 'null', '://'), headerValue),
  lastEventId: mostly(junkId, headerValue),
  extra: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), headerValue), { maxLength: 3 }),
});

type Fuzzed = typeof request extends fc.Arbitrary<infer T> ? T : never;

function bytesOf(r: Fuzzed): string {
  const query = r.carriers.includes('query') ? `${r.query}${r.query ? '&' : '?'}token=${encodeURIComponent(r.token)}` : r.query;
  const lines = [`${r.method} ${r.path}${query} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`${name}: ${value}`);
  };
  if (r.kind === 'websocket') {
    add('Upgrade', r.upgrade);
    add('Connection', r.connection);
    add('Sec-WebSocket-Key', r.key);
    add('Sec-WebSocket-Version', r.version);
    add('Sec-WebSocket-Protocol', r.protocols);
  } else {
    add('Accept', r.accept);
    add('Last-Event-ID', r.lastEventId);
  }
  add('Authorization', r.carriers.includes('header') ? `Bearer ${r.token}` : r.authorizationJunk);
  const cookies = [r.otherCookies, r.carriers.includes('cookie') ? `feed_token=${encodeURIComponent(r.token)}` : undefined].filter((c) => c !== undefined);
  if (cookies.length > 0) add('Cookie', cookies.join('; '));
  add('Origin', r.origin === 'same' ? `http://127.0.0.1:${port}` : r.origin);
  for (const [name, value] of r.extra) add(name, value);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('stream handshake fuzzing through HAProxy', () => {
  it('never answers 5xx, never takes the gateway down, and other streams keep flowing', async () => {
    const gateway = stack.gateways[0]!;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { text } = await exchange(port, Buffer.from(bytesOf(r), 'latin1'), 10_000);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 'none';
        seen.set(status, (seen.get(status) ?? 0) + 1);
        // No answer at all would be a connection the gateway or HAProxy dropped mid-request.
        expect(status, text.slice(0, 300)).not.toBe('none');
        expect(Number(status), text.slice(0, 300)).toBeLessThan(500);
      }),
      { numRuns: RUNS, verbose: 1 },
    );
    expect(gateway.process.exitCode).toBeNull();
    expect((await fetch(`${gateway.httpUrl}/health`)).status).toBe(200);
    expect(gateway.output()).not.toMatch(/"level":(50|60)/); // no error or fatal log line

    const marker = (await author.post('/post/create', { text: 'after the fuzzing' })).body as string;
    await watcherWs.waitUntil('the marker over WebSocket', (frames) => frames.some((f) => f.postId === marker));
    await watcherSse.waitUntil('the marker over SSE', (events) => events.some((e) => e.type === 'post.created' && e.data.id === marker));
    expect(watcherSse.hasEnded()).toBe(false);
  }, 240_000);
});
