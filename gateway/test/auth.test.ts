// Who may open a stream: refused at the handshake with a real HTTP status (401, 403, 429) for
// WebSocket and SSE alike; the three ways to carry the token; cookies only from our own origin;
// a token that expires while connected ends the stream with a clear code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, tokenKey } from '@feed/contracts';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { online, runtime, startGateway, type Gateway } from './harness.ts';
import { handshakeStatus, openFeed, openWs, sseStatus, type WsClient } from './clients.ts';

let p: Pipeline;
let gw: Gateway;
let capped: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  [gw, capped] = await Promise.all([startGateway(p), startGateway(p, { MAX_SESSIONS_PER_USER: '2' })]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([gw?.stop('SIGKILL'), capped?.stop('SIGKILL')]);
  await p?.close();
});

const sseUrl = (g: Gateway) => `${g.httpUrl}/post/feed/posted`;

describe(`stream authentication on ${runtime}`, () => {
  it('refuses a missing, garbage or expired token with 401 at the handshake, for WebSocket and SSE', async () => {
    const user = await new Client(p.url).signUp();
    const key = tokenKey(p.config.JWT_SECRET);
    const expired = await signToken(user.userId, key, -30);
    const foreignKey = await signToken(user.userId, tokenKey('another-secret-that-is-long-enough-0123456789'), 3600);
    const rejectedBefore = await gw.metric('gateway_rejected_total', { status: '401' });

    expect(await handshakeStatus(gw.wsUrl)).toBe(401);
    expect(await handshakeStatus(gw.wsUrl, {}, 'feed.v1')).toBe(401);
    expect(await sseStatus(sseUrl(gw))).toBe(401);
    for (const token of ['garbage', 'a.b.c', expired, foreignKey]) {
      expect(await handshakeStatus(gw.wsUrl, { authorization: `Bearer ${token}` }), token).toBe(401);
      expect(await handshakeStatus(`${gw.wsUrl}?token=${encodeURIComponent(token)}`), token).toBe(401);
      expect(await handshakeStatus(gw.wsUrl, { cookie: `feed_token=${token}` }), token).toBe(401);
      expect(await sseStatus(sseUrl(gw), { authorization: `Bearer ${token}` }), token).toBe(401);
      expect(await sseStatus(`${sseUrl(gw)}?token=${encodeURIComponent(token)}`), token).toBe(401);
    }
    // The body says why, as JSON.
    const res = await fetch(sseUrl(gw), { headers: { accept: 'text/event-stream', authorization: `Bearer ${expired}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'token expired' });
    expect(await gw.metric('gateway_rejected_total', { status: '401' })).toBeGreaterThanOrEqual(rejectedBefore + 24);
  });

  it('accepts the token via ?token=, the Authorization header and the feed_token cookie, and each stream gets the post', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    await reader.put(`/friend/set/${author.userId}`);
    const token = reader.token!;
    const streams: WsClient[] = [
      await openWs(`${gw.wsUrl}?token=${encodeURIComponent(token)}`),
      await openWs(gw.wsUrl, { token }),
      await openWs(gw.wsUrl, { headers: { cookie: `theme=dark; feed_token=${encodeURIComponent(token)}; other=1` } }),
    ];
    const sse = [
      await openFeed(gw.httpUrl, { token, tokenIn: 'query', transport: 'sse' }),
      await openFeed(gw.httpUrl, { token, transport: 'sse' }),
      await openFeed(gw.httpUrl, { transport: 'sse', headers: { cookie: `feed_token=${token}` } }),
    ];
    await online(p, reader.userId, gw);
    const postId = (await author.post('/post/create', { text: 'for every kind of login' })).body;
    for (const s of streams) expect(await s.waitForCount(1)).toEqual([{ postId, postText: 'for every kind of login', author_user_id: author.userId }]);
    for (const s of sse) await s.waitUntil('the post over SSE', (ev) => ev.some((e) => e.type === 'post.created' && e.data.id === postId));
    for (const s of [...streams, ...sse]) s.close();
  });

  it('refuses a cookie-authenticated upgrade from a foreign Origin with 403, and accepts our own origin', async () => {
    const reader = await new Client(p.url).signUp();
    const cookie = `feed_token=${reader.token}`;
    const own = `http://127.0.0.1:${gw.port}`;
    expect(await handshakeStatus(gw.wsUrl, { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await handshakeStatus(gw.wsUrl, { cookie, origin: `http://127.0.0.1:${gw.port + 1}` })).toBe(403);
    expect(await handshakeStatus(gw.wsUrl, { cookie, origin: 'null' })).toBe(403);
    expect(await sseStatus(sseUrl(gw), { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await handshakeStatus(gw.wsUrl, { cookie, origin: own })).toBe(101);
    expect(await sseStatus(sseUrl(gw), { cookie, origin: own })).toBe(200);
    // A token the page sent explicitly is not a cross-site request: the origin does not matter.
    expect(await handshakeStatus(gw.wsUrl, { authorization: `Bearer ${reader.token}`, origin: 'https://evil.example' })).toBe(101);
    // An invalid cookie is still 401, not 403 (nothing is revealed about the origin rule).
    expect(await handshakeStatus(gw.wsUrl, { cookie: 'feed_token=garbage', origin: 'https://evil.example' })).toBe(401);
  });

  it('closes a WebSocket with 4001 and ends an SSE stream when the token expires while connected', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    await reader.put(`/friend/set/${author.userId}`);
    const key = tokenKey(p.config.JWT_SECRET);
    const short = await signToken(reader.userId, key, 3);
    const ws = await openFeed(gw.httpUrl, { token: short });
    const plain = await openWs(gw.wsUrl, { token: short });
    const sse = await openFeed(gw.httpUrl, { token: short, transport: 'sse' });
    await online(p, reader.userId, gw);
    // Still live before it expires.
    const postId = (await author.post('/post/create', { text: 'before expiry' })).body;
    await plain.waitForCount(1);
    expect(plain.json()[0].postId).toBe(postId);

    const [closed, closedPlain] = await Promise.all([ws.closed, plain.closed]);
    expect(closed).toMatchObject({ code: 4001, auth: { kind: 'auth', code: 4001 } });
    expect(closed.detail).toMatch(/expired/i);
    expect(closedPlain.code).toBe(4001);
    expect((await sse.closed).auth).toMatchObject({ kind: 'auth', message: 'token expired' });
    expect(await gw.metric('gateway_closes_total', { reason: 'expired' })).toBeGreaterThanOrEqual(3);
    await online(p, reader.userId, gw, false);
    // Reconnecting with the expired token is refused.
    expect(await handshakeStatus(gw.wsUrl, { authorization: `Bearer ${short}` })).toBe(401);
  });

  it(`refuses more than MAX_SESSIONS_PER_USER streams of one user with 429, counting WebSocket and SSE together`, async () => {
    const [reader, other] = await Promise.all([new Client(p.url).signUp(), new Client(p.url).signUp()]);
    const a = await openWs(capped.wsUrl, { token: reader.token });
    const b = await openFeed(capped.httpUrl, { token: reader.token, transport: 'sse' });
    await waitFor('both sessions registered', async () => (await capped.metric('gateway_sessions')) >= 2);
    expect(await handshakeStatus(capped.wsUrl, { authorization: `Bearer ${reader.token}` })).toBe(429);
    expect(await handshakeStatus(capped.wsUrl, { authorization: `Bearer ${reader.token}` }, 'feed.v1')).toBe(429);
    expect(await sseStatus(sseUrl(capped), { authorization: `Bearer ${reader.token}` })).toBe(429);
    // Another user is not affected; the cap is per gateway, so the same user may connect elsewhere.
    expect(await handshakeStatus(capped.wsUrl, { authorization: `Bearer ${other.token}` })).toBe(101);
    expect(await handshakeStatus(gw.wsUrl, { authorization: `Bearer ${reader.token}` })).toBe(101);
    // A closed session frees its slot.
    a.close();
    await a.closed;
    await waitFor('a slot to free up', async () => (await handshakeStatus(capped.wsUrl, { authorization: `Bearer ${reader.token}` })) === 101);
    b.close();
  });

  it('never writes a token to its log at LOG_LEVEL=info, whichever way it came', async () => {
    const user = await new Client(p.url).signUp();
    const token = user.token!;
    const streams = [await openFeed(gw.httpUrl, { token, tokenIn: 'query' }), await openFeed(gw.httpUrl, { token, tokenIn: 'query', transport: 'sse' }), await openFeed(gw.httpUrl, { headers: { cookie: `feed_token=${token}` } })];
    await online(p, user.userId, gw);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.forged-signature`;
    expect(await handshakeStatus(`${gw.wsUrl}?token=${forged}`)).toBe(401);
    for (const s of streams) s.close();
    await online(p, user.userId, gw, false);
    expect(gw.output()).toContain('"level":30'); // it does log at info
    expect(gw.output()).not.toContain(token.split('.')[2]!);
    expect(gw.output()).not.toContain('forged-signature');
  });
});
