// The SDK against real gateways (real Postgres, Redis, RabbitMQ, a real worker): it connects
// over WebSocket, falls back to SSE where WebSocket is refused, resumes across a killed
// gateway with nothing lost or twice, surfaces feed.reset, and stops when the token is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, tokenKey } from '@feed/contracts';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { logHolds, online, startGateway, type Gateway } from '../../gateway/test/harness.ts';
import { freePort } from '../../test/support/ports.ts';
import type { StreamFetch, TransportKind } from '../src/index.ts';
import { nodeStreamFetch } from '../src/node.ts';
import { createPost, pair, recorded, webSocketBlocker } from './support.ts';

/** The two ways the SSE transport can read its stream on Node, for the tests that run with each. */
const STREAM_FETCHES: [string, StreamFetch][] = [
  ['node:http (nodeStreamFetch)', nodeStreamFetch],
  ["the runtime's fetch", (url, init) => fetch(url, init)],
];

let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  gw = await startGateway(p);
}, 90_000);

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await p?.close();
});

describe('the stream SDK against a real gateway', () => {
  it('connects over WebSocket (feed.v1, Authorization header) and delivers typed events in order', async () => {
    const { author, reader } = await pair(p);
    const r = recorded({ url: gw.httpUrl, token: reader.token! });
    try {
      await r.waitForStatus('open over WebSocket', (s) => s.state === 'open' && s.transport === 'websocket');
      await online(p, reader.userId, gw);
      await reader.put(`/friend/set/${author.userId}`);
      await r.waitForEvent('friend.followed');
      const [one, two] = [await createPost(author, 'one'), await createPost(author, 'two')];
      await r.waitForPost(two);
      expect(r.events.map((e) => e.type)).toEqual(['friend.followed', 'post.created', 'post.created']);
      expect(r.events[1]).toMatchObject({ type: 'post.created', data: { id: one, text: 'one', author_user_id: author.userId } });
      expect(r.client.lastEventId).toBe(r.events[2]!.id);
      expect(r.statuses.map((s) => s.state)).toEqual(['connecting', 'open']);
    } finally {
      r.client.stop();
    }
  });

  it.each(STREAM_FETCHES)('falls back to SSE when a proxy refuses the WebSocket upgrade, reading the stream with %s', async (_, streamFetch) => {
    const blocker = await webSocketBlocker(gw.httpUrl);
    const { author, reader } = await pair(p);
    const r = recorded({ url: blocker.url, token: reader.token!, fetch: streamFetch });
    try {
      await r.waitForStatus('open over SSE', (s) => s.state === 'open' && s.transport === 'sse');
      expect(blocker.upgradesRefused()).toBe(1);
      await online(p, reader.userId, gw);
      await reader.put(`/friend/set/${author.userId}`);
      await r.waitForEvent('friend.followed');
      const post = await createPost(author, 'through a proxy that blocks WebSocket');
      await r.waitForPost(post);
      expect(r.events.at(-1)).toMatchObject({ type: 'post.created', data: { id: post, text: 'through a proxy that blocks WebSocket' } });
      expect(r.client.status.transport).toBe('sse');
    } finally {
      r.client.stop();
      await blocker.close();
    }
  });

  it.each<TransportKind>(['websocket', 'sse'])('resumes over %s after its gateway is killed: nothing lost, nothing twice, in order', async (transport) => {
    const port = await freePort();
    let first: Gateway | undefined = await startGateway(p, { PORT: String(port) });
    let second: Gateway | undefined;
    const { author, reader } = await pair(p);
    const r = recorded({ url: first.httpUrl, token: reader.token!, transport });
    try {
      await r.waitForStatus('open', (s) => s.state === 'open');
      await online(p, reader.userId, first);
      await reader.put(`/friend/set/${author.userId}`);
      const before = await createPost(author, 'before the kill');
      await r.waitForPost(before);

      await first.stop('SIGKILL');
      first = undefined;
      await r.waitForStatus('reconnecting', (s) => s.state === 'reconnecting');
      const away = [await createPost(author, 'while down 1'), await createPost(author, 'while down 2'), await createPost(author, 'while down 3')];
      await logHolds(p, reader.userId, away);

      second = await startGateway(p, { PORT: String(port) });
      await r.waitForStatus('open again', (s) => s.state === 'open' && s.transport === transport);
      await online(p, reader.userId, second);
      // A marker after the replay: once it arrives, anything duplicated would have come before it.
      const marker = await createPost(author, 'after the restart');
      await r.waitForPost(marker);
      expect(r.posts()).toEqual([before, ...away, marker]);
      expect(new Set(r.events.map((e) => e.id)).size).toBe(r.events.length);
      expect(r.events.some((e) => e.type === 'feed.reset')).toBe(false);
    } finally {
      r.client.stop();
      await Promise.allSettled([first?.stop('SIGKILL'), second?.stop('SIGKILL')]);
    }
  });

  it('surfaces feed.reset as an event and goes on from its id', async () => {
    const { author, reader } = await pair(p);
    const r = recorded({ url: gw.httpUrl, token: reader.token!, resume: { from: 'not-a-position' } });
    try {
      await r.waitForEvent('feed.reset');
      const reset = r.events[0]!;
      expect(reset).toMatchObject({ type: 'feed.reset', data: { reason: 'unknown resume id' } });
      expect(r.client.lastEventId).toBe(reset.id);
      await online(p, reader.userId, gw);
      await reader.put(`/friend/set/${author.userId}`);
      await r.waitForEvent('friend.followed');
      const post = await createPost(author, 'after the reset');
      await r.waitForPost(post);
      expect(r.events.map((e) => e.type)).toEqual(['feed.reset', 'friend.followed', 'post.created']);
    } finally {
      r.client.stop();
    }
  });

  it.each<TransportKind>(['websocket', 'sse'])('stops reconnecting and surfaces the error when the token expires on a %s stream', async (transport) => {
    const { reader } = await pair(p);
    const shortLived = await signToken(reader.userId, tokenKey(p.config.JWT_SECRET), 3);
    const errors: unknown[] = [];
    const r = recorded({ url: gw.httpUrl, token: shortLived, transport, onError: (e) => errors.push(e) });
    await r.waitForStatus('open', (s) => s.state === 'open');
    const closed = await r.waitForStatus('closed by the gateway', (s) => s.state === 'closed', 20_000);
    expect(closed.error).toMatchObject(transport === 'websocket' ? { kind: 'auth', code: 4001 } : { kind: 'auth', message: 'token expired' });
    expect(errors).toEqual([closed.error]);
    // One attempt, then closed for good: no reconnect was scheduled.
    expect(r.statuses.map((s) => s.state)).toEqual(['connecting', 'open', 'closed']);
    expect(closed.retryAt).toBeUndefined();
  });

  it.each<TransportKind>(['websocket', 'sse'])('stops reconnecting and surfaces the error when a logout revokes the token of a %s stream', async (transport) => {
    const { reader } = await pair(p);
    const errors: unknown[] = [];
    const r = recorded({ url: gw.httpUrl, token: reader.token!, transport, onError: (e) => errors.push(e) });
    await r.waitForStatus('open', (s) => s.state === 'open');
    await online(p, reader.userId, gw);
    expect((await reader.post('/logout')).status).toBe(204);
    const closed = await r.waitForStatus('closed by the gateway', (s) => s.state === 'closed');
    expect(closed.error).toMatchObject(transport === 'websocket' ? { kind: 'auth', code: 4001 } : { kind: 'auth', message: 'token revoked' });
    expect(errors).toEqual([closed.error]);
    expect(r.statuses.map((s) => s.state)).toEqual(['connecting', 'open', 'closed']);
  });

  it.each(STREAM_FETCHES)('stops at once when the SSE stream refuses the token (401), with the gateway’s message, read with %s', async (_, streamFetch) => {
    const r = recorded({ url: gw.httpUrl, token: 'not.a.token', transport: 'sse', fetch: streamFetch });
    const closed = await r.waitForStatus('refused', (s) => s.state === 'closed');
    expect(closed.error).toMatchObject({ kind: 'auth', status: 401 });
    expect(closed.error!.message).not.toMatch(/^HTTP 401$/);
    expect(r.statuses.map((s) => [s.state, s.transport])).toEqual([
      ['connecting', 'sse'],
      ['closed', null],
    ]);
  });

  it('stops at once on a refused handshake (401), without trying SSE with the same token', async () => {
    const r = recorded({ url: gw.httpUrl, token: 'not.a.token' });
    const closed = await r.waitForStatus('refused', (s) => s.state === 'closed');
    expect(closed.error).toMatchObject({ kind: 'auth', status: 401 });
    expect(r.statuses.map((s) => [s.state, s.transport])).toEqual([
      ['connecting', 'websocket'],
      ['closed', null],
    ]);
  });
});
