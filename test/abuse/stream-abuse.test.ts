// Abuse of the live stream, through HAProxy: oversized frames, floods, garbage frames,
// half-open connections, too many connections of one user, slowloris headers and an SSE
// client that never reads. In every case the gateway sheds the abuser with the documented
// code or status, and a well-behaved user on the same gateway keeps getting their posts,
// every one, on the same stream. How fast (the watcher's latency under abuse, when a slowloris
// is cut, memory under a non-reader) is measured by bench/stream-abuse.ts, not asserted here.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Client } from '../../core/test/client.ts';
import { openWs, type WsClient } from '../../gateway/test/clients.ts';
import type { Gateway } from '../../gateway/test/harness.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/ports.ts';
import { exchange, frame, rawUpgrade } from './raw.ts';

const BIG_POST = 60_000;
const SESSIONS_CAP = 20;
let stack: Stack;
let gw: Gateway;
let port: number;
let api: Client;
let author: Client & { userId: string };
let watcherUser: Client & { userId: string };
let watcher: WsClient;
/** How long a wait on a condition may take before the test fails: generous, a loaded machine is slow. */
const PATIENCE_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({
    gateways: 1,
    env: { POST_MAX_CHARS: String(BIG_POST), BODY_LIMIT_BYTES: String(256 * 1024) },
    // A short heartbeat, so half-open sockets are cut soon, but not so short that an event loop
    // stalled by a loaded machine (a pong arrived, not yet read) cuts the watcher or the junk client.
    gatewayEnv: { WS_PING_MS: '2000', MAX_SESSIONS_PER_USER: String(SESSIONS_CAP) },
  });
  gw = stack.gateways[0]!;
  port = Number(new URL(stack.url).port);
  api = new Client(stack.url);
  [author, watcherUser] = await Promise.all([api.signUp(), api.signUp()]);
  await watcherUser.put(`/friend/set/${author.userId}`);
  await connectWatcher();
  await waitFor('the watcher online', async () => ((await stack.pipeline.cache.presence.lookup([watcherUser.userId])).get(watcherUser.userId) ?? []).length > 0);
  await record('baseline', 8);
}, 180_000);

afterAll(async () => {
  stopping = true;
  watcher?.close();
  await stack?.close();
}, 60_000);

let stopping = false;
/** Closes of the watcher's stream the watcher did not ask for (there should be none). */
const watcherDrops: string[] = [];

/** Connects the watcher (again, resuming from its last id, after an unexpected close). */
async function connectWatcher(): Promise<void> {
  const last = watcher?.json().at(-1)?.id as string | undefined;
  watcher = await openWs(stack.wsUrl, { token: watcherUser.token, protocol: 'feed.v1', query: last ? `?since=${encodeURIComponent(last)}` : '' });
  const mine = watcher;
  void mine.closed.then(({ code, reason }) => {
    if (!stopping) watcherDrops.push(`${code} ${reason} at ${new Date().toISOString()}`);
  });
}

/** The well-behaved user: `n` posts by the author they follow, each reaching them on the same stream. */
async function record(phase: string, n: number): Promise<void> {
  const drops = watcherDrops.length;
  if (watcher.ws.readyState !== watcher.ws.OPEN) await connectWatcher();
  for (let i = 0; i < n; i++) {
    const reply = await author.post('/post/create', { text: `${phase} ${i}` });
    expect(reply.status).toBe(200);
    const id = reply.body as string;
    await watcher.waitUntil(`${phase} post ${i} at the watcher`, (frames) => frames.some((f) => f.type === 'post.created' && f.data.id === id), PATIENCE_MS);
  }
  expect(watcherDrops.slice(drops), `the watcher's stream was closed during ${phase}`).toEqual([]);
}

/** Runs the abuse and, beside it, the watcher's posts. */
async function during<T>(phase: string, abuse: () => Promise<T>, n = 6): Promise<T> {
  const running = abuse();
  await record(phase, n);
  return running;
}

const sessions = () => gw.metric('gateway_sessions');
const closes = (reason: string) => gw.metric('gateway_closes_total', { reason });

async function backToWatcherOnly(): Promise<void> {
  await waitFor('only the watcher left on the gateway', async () => (await sessions()) === 1, PATIENCE_MS, 200);
}

describe('stream abuse through HAProxy', () => {
  it('closes clients sending frames over MAX_FRAME_BYTES with 1009', async () => {
    const abusers = await Promise.all(Array.from({ length: 6 }, async () => api.signUp()));
    const result = await during('oversized frames', async () => {
      const codes: number[] = [];
      for (let round = 0; round < 3; round++) {
        const clients = await Promise.all(abusers.map((u) => openWs(stack.wsUrl, { token: u.token, protocol: 'feed.v1' })));
        clients.forEach((c, i) => c.ws.send(Buffer.alloc(i % 2 ? 64 * 1024 : 1024 * 1024, 'x'), { binary: i % 3 === 0 }));
        codes.push(...(await Promise.all(clients.map((c) => c.closed))).map((c) => c.code));
      }
      return codes;
    });
    expect(new Set(result)).toEqual(new Set([1009]));
    await backToWatcherOnly();
  }, 240_000);

  it('closes clients flooding messages with 1008, and the watcher is still served', async () => {
    const abusers = await Promise.all(Array.from({ length: 8 }, async () => api.signUp()));
    const before = await closes('rate');
    const codes = await during('message flood', async () => {
      const clients = await Promise.all(abusers.map((u) => openWs(stack.wsUrl, { token: u.token })));
      for (const c of clients) for (let i = 0; i < 5_000; i++) c.ws.send(`{"flood":${i}}`);
      return (await Promise.all(clients.map((c) => c.closed))).map((c) => c.code);
    });
    expect(new Set(codes)).toEqual(new Set([1008]));
    // A flood that starts before its session finished opening is closed without being counted.
    const counted = (await closes('rate')) - before;
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThanOrEqual(abusers.length);
    await backToWatcherOnly();
  }, 240_000);

  it('closes clients sending garbage frames with a protocol error, and tolerates junk it can ignore', async () => {
    const abuser = await api.signUp();
    const cases: [string, Buffer, number[]][] = [
      ['invalid UTF-8 in a text frame', frame(1, Buffer.from([0xc3, 0x28, 0xff, 0xfe])), [1007]],
      ['an unmasked client frame', frame(1, 'hello', { mask: false }), [1002]],
      ['a reserved opcode', frame(3, 'x'), [1002]],
      ['RSV bits without an extension', frame(1, 'x', { rsv: 4 }), [1002]],
      ['a control frame over 125 bytes', frame(9, Buffer.alloc(200, 1)), [1002]],
      ['a fragmented control frame', frame(9, 'x', { fin: false }), [1002]],
      ['a continuation with nothing to continue', frame(0, 'x'), [1002]],
      ['a close frame with an invalid code', frame(8, Buffer.from([0x03, 0xe7])), [1002]],
      ['a length that lies (64-bit, huge)', Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), [1009, 1002]],
    ];
    const results = await during('garbage frames', async () => {
      const out: { what: string; codes: number[]; closed: boolean }[] = [];
      for (const [what, bytes] of cases) {
        const raw = await rawUpgrade(port, { token: abuser.token!, protocol: 'feed.v1' });
        raw.socket.write(bytes);
        const closed = await Promise.race([raw.closed.then(() => true), sleep(PATIENCE_MS).then(() => false)]);
        raw.socket.destroy();
        out.push({ what, codes: raw.closeCodes(), closed });
      }
      return out;
    });
    for (const [what, , expected] of cases) {
      const r = results.find((x) => x.what === what)!;
      expect(r.closed, `${what} closes the connection`).toBe(true);
      expect(expected, `${what}: close codes ${r.codes}`).toContain(r.codes[0]);
    }

    // Junk that is still valid WebSocket (random binary, non-JSON text, unsolicited pongs) from a
    // client that answers pings is ignored, within the message rate: the session stays.
    const junk = await openWs(stack.wsUrl, { token: abuser.token, protocol: 'feed.v1' });
    for (let i = 0; i < 20; i++) junk.ws.send(i % 2 ? randomBytes(1 + ((i * 97) % 4000)) : `{not json ${i}`);
    junk.ws.pong('unsolicited');
    // Three heartbeats later (a peer that missed one is cut at the next) and with the junk read
    // (the pong to our ping comes behind it), the session is still there.
    let pings = 0;
    junk.ws.on('ping', () => pings++);
    await waitFor('three heartbeats', async () => pings >= 3, PATIENCE_MS);
    await junk.roundTrip();
    expect(junk.ws.readyState).toBe(junk.ws.OPEN);
    junk.close();
    await backToWatcherOnly();
  }, 240_000);

  it('answers garbage HTTP with a 4xx and keeps running (through HAProxy and at the gateway itself)', async () => {
    const requests = [
      'GET //a:b HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /post/feed/posted?token=%E0%A4%A HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n',
      'GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCookie: feed_token=%E0%A4%A\r\n\r\n',
      'GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n',
      'GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: feed_token=%zz\r\n\r\n',
      `GET /post/feed/posted?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'BREW /post/feed/posted HTCPCP/1.0\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + 'x'.repeat(100), // a TLS ClientHello
      randomBytes(512).toString('latin1'),
    ];
    const answers: string[] = [];
    await during('garbage HTTP', async () => {
      for (const target of [port, gw.port]) {
        for (const r of requests) {
          const { text } = await exchange(target, Buffer.from(r, 'latin1'), 5_000);
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? (text === '' ? 'closed' : 'other');
          answers.push(`${target === port ? 'haproxy' : 'gateway'} ${status}`);
          expect(status === 'closed' || /^4\d\d$/.test(status), `${JSON.stringify(r.slice(0, 80))} → ${text.slice(0, 200)}`).toBe(true);
        }
      }
    });
    console.log(`[stream-abuse] garbage HTTP answers: ${answers.join(', ')}`);
    expect(gw.process.exitCode).toBeNull();
    expect((await fetch(`${gw.httpUrl}/health`)).status).toBe(200);
  }, 240_000);

  it('terminates a half-open connection that never answers pings', async () => {
    const abusers = await Promise.all(Array.from({ length: 5 }, async () => api.signUp()));
    const closed = await during('half-open sockets', async () => {
      const raws = await Promise.all(abusers.map((u) => rawUpgrade(port, { token: u.token!, protocol: 'feed.v1' })));
      await waitFor('the half-open sessions registered', async () => (await sessions()) >= 1 + raws.length, PATIENCE_MS);
      return Promise.all(raws.map((r) => Promise.race([r.closed.then(() => true), sleep(PATIENCE_MS).then(() => false)])));
    });
    // Each is cut by the heartbeat (they never answer a ping); the watcher, who does, stays.
    expect(closed).toEqual(abusers.map(() => true));
    await backToWatcherOnly();
  }, 240_000);

  it(`refuses a user's streams beyond MAX_SESSIONS_PER_USER (${SESSIONS_CAP}) with 429, even when 60 arrive at once`, async () => {
    const greedy = await api.signUp();
    const rejectedBefore = await gw.metric('gateway_rejected_total', { status: '429' });
    const outcome = await during('60 connections at once', async () => {
      const attempts = await Promise.allSettled(Array.from({ length: 60 }, () => openWs(stack.wsUrl, { token: greedy.token, protocol: 'feed.v1' })));
      const open = attempts.filter((a) => a.status === 'fulfilled').map((a) => (a as PromiseFulfilledResult<WsClient>).value);
      const statuses = attempts.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason.status);
      // Each pong comes behind anything the gateway sent before it, a close included.
      await Promise.all(open.map((c) => c.roundTrip(PATIENCE_MS)));
      const stillOpen = open.filter((c) => c.ws.readyState === c.ws.OPEN).length;
      return { open, statuses, stillOpen };
    });
    onTestFinished(() => outcome.open.forEach((c) => c.close()));
    console.log(`[stream-abuse] 60 concurrent connections of one user: ${outcome.open.length} opened, ${outcome.statuses.length} refused (${[...new Set(outcome.statuses)]})`);
    expect(outcome.open.length).toBe(SESSIONS_CAP);
    expect(outcome.stillOpen).toBe(SESSIONS_CAP);
    expect(new Set(outcome.statuses)).toEqual(new Set([429]));
    expect((await gw.metric('gateway_rejected_total', { status: '429' })) - rejectedBefore).toBe(60 - SESSIONS_CAP);
    // And more, one by one, are still refused; the sessions it has all work.
    expect(
      await openWs(stack.wsUrl, { token: greedy.token }).then(
        () => 101,
        (e) => e.status,
      ),
    ).toBe(429);
    for (const c of outcome.open) c.close();
    await backToWatcherOnly();
  }, 240_000);

  it('cuts slowloris clients dribbling headers through HAProxy with 408 (`timeout http-request`), and serves the watcher meanwhile', async () => {
    const results = await during(
      'slowloris',
      async () =>
        Promise.all(
          Array.from(
            { length: 20 },
            () =>
              new Promise<{ status: string }>((resolve) => {
                const socket = net.connect(port, '127.0.0.1');
                let answer = '';
                socket.on('error', () => {});
                socket.on('data', (d) => (answer += d.toString('latin1')));
                const header = 'GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-Slow: ' + 'a'.repeat(100);
                let i = 0;
                const drip = setInterval(() => {
                  if (i < header.length && !socket.destroyed) socket.write(header[i++]!);
                }, 1_000); // the whole header would take over two minutes: only the cut ends it sooner
                const guard = setTimeout(() => socket.destroy(), PATIENCE_MS);
                socket.on('close', () => {
                  clearInterval(drip);
                  clearTimeout(guard);
                  resolve({ status: /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 'none' });
                });
              }),
          ),
        ),
      20,
    );
    // Cut by HAProxy with its request timeout's answer, long before the header could be complete.
    expect(results.map((r) => r.status)).toEqual(results.map(() => '408'));
  }, 240_000);

  it('closes an SSE client that never reads as slow, and serves the watcher meanwhile', async () => {
    // Four accounts feed the sink, each posting one post at a time: the worker handles one
    // author's posts in order (a lane), so a single account flooding far past the per-user rate
    // limit (60 posts/min in production, lifted in tests) would queue behind itself; abuse at
    // scale comes from many accounts.
    const [sink, ...bigAuthors] = await Promise.all([api.signUp(), api.signUp(), api.signUp(), api.signUp(), api.signUp()]);
    for (const a of bigAuthors) await sink.put(`/friend/set/${a.userId}`);
    const slowBefore = await closes('slow');

    // A raw socket asks for the stream, then never reads a byte of the answer.
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.pause();
    socket.write(`GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${sink.token}\r\n\r\n`);
    await waitFor('the sink online', async () => ((await stack.pipeline.cache.presence.lookup([sink.userId])).get(sink.userId) ?? []).length > 0, PATIENCE_MS);

    let posted = 0;
    const text = 'z'.repeat(BIG_POST - 10);
    // Until the gateway closes it as slow (posts past the send-buffer limit; bounded so that a
    // gateway that never does fails the test rather than hangs it).
    const flood = async () => {
      for (let round = 0; (await closes('slow')) === slowBefore && round < 500; round++) {
        await Promise.all(
          bigAuthors.map(async (bigAuthor) => {
            const reply = await bigAuthor.post('/post/create', { text: `${posted++} ${text}` });
            expect(reply.status).toBe(200);
          }),
        );
      }
    };
    await during('SSE non-reader', flood, 10);
    expect(await closes('slow')).toBeGreaterThan(slowBefore);
    socket.destroy();
    await waitFor('the sink gone from presence', async () => ((await stack.pipeline.cache.presence.lookup([sink.userId])).get(sink.userId) ?? []).length === 0, PATIENCE_MS);
    await backToWatcherOnly();
    await record('after all abuse', 5);
  }, 300_000);
});
