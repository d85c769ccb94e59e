// The stream's timings, printed (docs/reliability.md quotes them). One stack, one gateway behind
// HAProxy with WS_PING_MS=500, and a well-behaved watcher whose posts are timed from
// POST /post/create to the frame: before any abuse, during a message flood, during slowloris
// clients and during an SSE client that never reads (when it is cut, and the gateway's RSS
// meanwhile); when a half-open socket is cut; how long after its expiry a token's stream is
// closed; when a draining gateway closes its sessions. Short by design: one run, a few samples.
import net from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signToken, tokenKey } from '@feed/contracts';
import { Client } from '../../core/test/client.ts';
import { openFeed, openWs, type WsClient } from '../../gateway/test/clients.ts';
import { online, type Gateway } from '../../gateway/test/harness.ts';
import { startStack, type Stack } from '../../test/support/stack.ts';
import { waitFor } from '../../test/support/ports.ts';
import { rawUpgrade } from '../../test/abuse/raw.ts';
import { median } from '../stats.ts';

const BIG_POST = 60_000;
let stack: Stack;
let gw: Gateway;
let port: number;
let api: Client;
let author: Client & { userId: string };
let watcherUser: Client & { userId: string };
let watcher: WsClient;
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.log(`[timings] ${line}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 2 ** 20).toFixed(1);

function summary(ms: number[]): string {
  return `n=${ms.length} p50=${median(ms)} ms max=${Math.max(...ms)} ms`;
}

/** The watcher's latency for `n` posts, 100 ms apart. */
async function latencies(n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = Date.now();
    const id = (await author.post('/post/create', { text: `timed ${i}` })).body as string;
    await watcher.waitUntil(`post ${i} at the watcher`, (frames) => frames.some((f) => f.data?.id === id), 120_000);
    ms.push(Date.now() - started);
    await sleep(100);
  }
  return ms;
}

beforeAll(async () => {
  stack = await startStack({ gateways: 1, env: { POST_MAX_CHARS: String(BIG_POST), BODY_LIMIT_BYTES: String(256 * 1024) }, gatewayEnv: { WS_PING_MS: '500' } });
  gw = stack.gateways[0]!;
  port = Number(new URL(stack.url).port);
  api = new Client(stack.url);
  [author, watcherUser] = await Promise.all([api.signUp(), api.signUp()]);
  await watcherUser.put(`/friend/set/${author.userId}`);
  watcher = await openWs(stack.wsUrl, { token: watcherUser.token, protocol: 'feed.v1' });
  await online(stack.pipeline, watcherUser.userId, gw);
});

afterAll(async () => {
  watcher?.close();
  await stack?.close();
  console.log(`\n${lines.join('\n')}`);
});

describe('stream timings', () => {
  it('the watcher before any abuse', async () => {
    report(`watcher latency, baseline: ${summary(await latencies(8))}`);
  });

  it('the watcher during a message flood (8 clients × 5,000 messages)', async () => {
    const abusers = await Promise.all(Array.from({ length: 8 }, () => api.signUp()));
    const clients = await Promise.all(abusers.map((u) => openWs(stack.wsUrl, { token: u.token })));
    const flooded = (async () => {
      for (const c of clients) for (let i = 0; i < 5_000; i++) c.ws.send(`{"flood":${i}}`);
      await Promise.all(clients.map((c) => c.closed));
    })();
    report(`watcher latency, message flood: ${summary(await latencies(6))}`);
    await flooded;
  });

  it('half-open sockets (WS_PING_MS=500)', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => api.signUp()));
    const raws = await Promise.all(users.map((u) => rawUpgrade(port, { token: u.token!, protocol: 'feed.v1' })));
    report(`half-open sockets cut after ${(await Promise.all(raws.map((r) => r.closed))).join(', ')} ms`);
  });

  it('slowloris through HAProxy', async () => {
    const cut = Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<{ ms: number; status: string }>((resolve) => {
            const started = Date.now();
            const socket = net.connect(port, '127.0.0.1');
            let answer = '';
            socket.on('error', () => {});
            socket.on('data', (d) => (answer += d.toString('latin1')));
            const header = 'GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-Slow: ' + 'a'.repeat(100);
            let i = 0;
            const drip = setInterval(() => {
              if (i < header.length && !socket.destroyed) socket.write(header[i++]!);
            }, 1_000);
            socket.on('close', () => {
              clearInterval(drip);
              resolve({ ms: Date.now() - started, status: /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 'none' });
            });
          }),
      ),
    );
    await sleep(150);
    report(`watcher latency, slowloris: ${summary(await latencies(20))}`);
    const results = await cut;
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    report(`slowloris: 20 sockets answered ${[...new Set(results.map((r) => r.status))].join(',')} after ${ms[0]}–${ms.at(-1)} ms`);
  });

  it('an SSE client that never reads', async () => {
    const [sink, ...bigAuthors] = (await Promise.all(Array.from({ length: 5 }, () => api.signUp()))) as [Client & { userId: string }, ...(Client & { userId: string })[]];
    for (const a of bigAuthors) await sink.put(`/friend/set/${a.userId}`);
    const closes = () => gw.metric('gateway_closes_total', { reason: 'slow' });
    const rss = () => gw.metric('process_resident_memory_bytes');
    const slowBefore = await closes();
    const rssBefore = await rss();
    let rssPeak = rssBefore;
    const sampler = setInterval(
      () =>
        void rss().then(
          (v) => (rssPeak = Math.max(rssPeak, v)),
          () => {},
        ),
      250,
    );
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.pause();
    socket.write(`GET /post/feed/posted HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${sink.token}\r\n\r\n`);
    await online(stack.pipeline, sink.userId, gw);
    let posted = 0;
    const text = 'z'.repeat(BIG_POST - 10);
    const started = Date.now();
    const flood = (async () => {
      while ((await closes()) === slowBefore && Date.now() - started < 120_000) {
        await Promise.all(bigAuthors.map((a) => a.post('/post/create', { text: `${posted++} ${text}` })));
      }
      return Date.now() - started;
    })();
    const during = await latencies(10);
    const floodMs = await flood;
    clearInterval(sampler);
    socket.destroy();
    report(`watcher latency, SSE non-reader: ${summary(during)}`);
    report(
      `SSE non-reader closed as slow: ${(await closes()) > slowBefore ? 'yes' : 'no'}, after ${posted} posts of ${BIG_POST / 1000} kB (${mb(posted * BIG_POST)} MB) in ${floodMs} ms; gateway RSS ${mb(rssBefore)} → peak ${mb(rssPeak)} → ${mb(await rss())} MB`,
    );
  });

  it('a token expiring while connected', async () => {
    const reader = await api.signUp();
    const token = await signToken(reader.userId, tokenKey(stack.pipeline.config.JWT_SECRET), 2);
    const expiresAt = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
    const ws = await openFeed(stack.url, { token });
    await ws.closed;
    report(`expired token: WebSocket closed ${Date.now() - expiresAt} ms after the token's exp (a 2 s token)`);
  });

  it('a draining gateway (DRAIN_DELAY_MS=1000, DRAIN_WINDOW_MS=500, 3 sessions)', async () => {
    const draining = await stack.addGateway({ DRAIN_DELAY_MS: '1000', DRAIN_WINDOW_MS: '500' });
    const reader = await api.signUp();
    const sessions = await Promise.all([0, 1, 2].map(() => openFeed(draining.httpUrl, { token: reader.token })));
    await waitFor('three sessions', async () => (await draining.metric('gateway_sessions')) === 3);
    const signalled = Date.now();
    const closedAt = sessions.map((s) => s.closed.then(() => Date.now() - signalled));
    const code = await draining.stop('SIGTERM');
    const at = (await Promise.all(closedAt)).sort((a, b) => a - b);
    report(`drain: sessions closed ${at.join(', ')} ms after SIGTERM (spread ${at.at(-1)! - at[0]!} ms), exit code ${code}, exited after ${Date.now() - signalled} ms`);
  });
});
