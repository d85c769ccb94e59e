// Logout revokes the token everywhere: REST refuses it, a new stream is refused at the handshake
// (WebSocket and SSE: 401), and streams already open with it close (WebSocket 4001, SSE
// `event: error`), pushed by core's `session.revoked` notice; the gateway's periodic check closes
// them too when no notice comes. Other tokens of the same user keep their streams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey, verifyToken } from '@feed/contracts';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { online, runtime, startGateway, type Gateway } from './harness.ts';
import { handshakeStatus, openFeed, sseStatus } from './clients.ts';

let p: Pipeline;
/** Checks open streams only once an hour: whatever closes them here is core's notice. */
let pushed: Gateway;
/** Checks every 200 ms: the backstop when no notice arrives. */
let swept: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  [pushed, swept] = await Promise.all([startGateway(p, { REVOCATION_CHECK_MS: '3600000' }), startGateway(p, { REVOCATION_CHECK_MS: '200' })]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([pushed?.stop('SIGKILL'), swept?.stop('SIGKILL')]);
  await p?.close();
});

const sseUrl = (g: Gateway) => `${g.httpUrl}/post/feed/posted`;

async function loginAgain(user: Client & { userId: string }): Promise<string> {
  const reply = await new Client(p.url).post<{ token: string }>('/login', { id: user.userId, password: 'correct horse battery' });
  expect(reply.status).toBe(200);
  return reply.body.token;
}

describe(`revocation on ${runtime}`, () => {
  it('after logout the token gets 401 from REST and at a new handshake, and its open WebSocket (4001) and SSE stream (event: error) close', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    await reader.put(`/friend/set/${author.userId}`);
    const token = reader.token!;
    const other = await loginAgain(reader); // another device: not logged out

    const ws = await openFeed(pushed.httpUrl, { token });
    const sse = await openFeed(pushed.httpUrl, { token, transport: 'sse', tokenIn: 'query' });
    const kept = await openFeed(pushed.httpUrl, { token: other });
    await online(p, reader.userId, pushed);

    const logout = await reader.post('/logout');
    expect(logout.status).toBe(204);

    const [wsEnd, sseEnd] = await Promise.all([ws.closed, sse.closed]);
    expect(wsEnd).toMatchObject({ code: 4001, auth: { kind: 'auth', code: 4001 } });
    // The SDK reports an SSE stream's auth error only from the gateway's `event: error`.
    expect(sseEnd.auth).toMatchObject({ kind: 'auth', message: 'token revoked' });

    const rest = await reader.get('/post/feed');
    expect(rest.status).toBe(401);
    expect(rest.body.message).toBe('token revoked: log in again');
    expect(await handshakeStatus(pushed.wsUrl, { authorization: `Bearer ${token}` })).toBe(401);
    expect(await handshakeStatus(`${pushed.wsUrl}?token=${encodeURIComponent(token)}`)).toBe(401);
    expect(await sseStatus(sseUrl(pushed), { authorization: `Bearer ${token}` })).toBe(401);
    const body = await fetch(sseUrl(pushed), { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
    expect(await body.json()).toEqual({ message: 'token revoked: log in again' });

    // The other token of the same user is untouched: REST and its open stream go on.
    expect((await new Client(p.url, other).get('/post/feed')).status).toBe(200);
    const marker = (await author.post('/post/create', { text: 'after the logout' })).body as string;
    await kept.waitUntil('the marker post on the other token', (events) => events.some((e) => e.type === 'post.created' && e.data.id === marker));
    expect(kept.hasEnded()).toBe(false);
    kept.close();
    expect(await pushed.metric('gateway_closes_total', { reason: 'revoked' })).toBeGreaterThanOrEqual(2);
  });

  it('revokes the login cookie, as the SPA logs out (no bearer header)', async () => {
    const user = await new Client(p.url).signUp();
    const token = user.token!;
    const stream = await openFeed(pushed.httpUrl, { headers: { cookie: `feed_token=${token}` } });
    await online(p, user.userId, pushed);
    const res = await fetch(`${p.url}/logout`, { method: 'POST', headers: { cookie: `feed_token=${encodeURIComponent(token)}` } });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^feed_token=;/);
    expect(await stream.closed).toMatchObject({ code: 4001 });
    expect((await user.get('/post/feed')).status).toBe(401);
    expect(await handshakeStatus(pushed.wsUrl, { cookie: `feed_token=${token}` })).toBe(401);
  });

  it('closes an open stream whose token was revoked without a notice, at the periodic check', async () => {
    const user = await new Client(p.url).signUp();
    const token = user.token!;
    const ws = await openFeed(swept.httpUrl, { token });
    const sse = await openFeed(swept.httpUrl, { token, transport: 'sse' });
    await online(p, user.userId, swept);
    // Straight into Redis, as if core's notice were lost with the broker.
    const claims = await verifyToken(token, tokenKey(p.config.JWT_SECRET));
    await p.cache.revocations.revoke(claims, claims.expiresAt);
    const [wsEnd, sseEnd] = await Promise.all([ws.closed, sse.closed]);
    expect(wsEnd).toMatchObject({ code: 4001 });
    expect(sseEnd.auth).toMatchObject({ message: 'token revoked' });
  });

  it('answers logout with 204 for no token, a garbage one or one already revoked, revoking nothing else', async () => {
    const user = await new Client(p.url).signUp();
    expect((await new Client(p.url).post('/logout')).status).toBe(204);
    expect((await new Client(p.url, 'not.a.token').post('/logout')).status).toBe(204);
    expect((await user.get('/post/feed')).status).toBe(200);
    expect((await user.post('/logout')).status).toBe(204);
    expect((await user.post('/logout')).status).toBe(204);
    expect((await user.get('/post/feed')).status).toBe(401);
  });
});
