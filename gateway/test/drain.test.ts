// A gateway told to stop (SIGTERM) drains: it fails its health check first, refuses new
// streams, then closes its sessions with "reconnect elsewhere" (1012) spread over a window,
// leaves the presence registry and exits 0. Its clients resume on another gateway and miss
// nothing written meanwhile. A drain that cannot leave the registry exits non-zero.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { eventLog, logHolds, online, runtime, splitEventId, startGateway, type Gateway } from './harness.ts';
import { handshakeStatus, openFeed, openWs, sseStatus } from './clients.ts';
import { startPrivateRedis } from '../../test/support/redis-cluster.ts';

let p: Pipeline;
let draining: Gateway;
let other: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  // The delay outlasts the checks made during it on a busy machine; three sessions over a 6 s
  // window are closed two seconds apart, so "one at a time" is visible.
  [draining, other] = await Promise.all([startGateway(p, { DRAIN_DELAY_MS: '3000', DRAIN_WINDOW_MS: '6000' }), startGateway(p)]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([draining?.stop('SIGKILL'), other?.stop('SIGKILL')]);
  await p?.close();
});

const after = (logId: string) => (e: { id: string }) => {
  const [am, as] = e.id.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = logId.split('-').map(BigInt) as [bigint, bigint];
  return am > bm || (am === bm && as > bs);
};

describe(`gateway drain on ${runtime}`, () => {
  it('fails /health, refuses new streams with 503, closes sessions with 1012, leaves presence, exits 0; clients resume elsewhere', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    const auth = { authorization: `Bearer ${reader.token}` };
    const v1 = await openFeed(draining.httpUrl, { token: reader.token });
    const plain = await openWs(draining.wsUrl, { token: reader.token });
    const sse = await openFeed(draining.httpUrl, { token: reader.token, transport: 'sse' });
    await online(p, reader.userId, draining);
    await reader.put(`/friend/set/${author.userId}`);
    const p1 = (await author.post('/post/create', { text: 'before the drain' })).body as string;
    await v1.waitUntil('p1 on feed.v1', (f) => f.some((x) => x.data?.id === p1));
    await plain.waitForCount(1);
    await sse.waitUntil('p1 over SSE', (ev) => ev.some((e) => e.type === 'post.created'));
    expect((await fetch(`${draining.httpUrl}/health`)).status).toBe(200);

    // At each close, which of the three sessions are still open: the drain closes them one by
    // one over its window, not all at once.
    const ended = () => [v1.hasEnded(), plain.ws.readyState !== plain.ws.OPEN, sse.hasEnded()];
    const openAtClose = [v1.closed, plain.closed, sse.closed].map((done) => (done as Promise<unknown>).then(() => ended().filter((e) => !e).length));
    const exited = draining.stop('SIGTERM');
    // The health check fails first, while every session is still open.
    const health = await waitFor(
      'the health check to fail',
      async () => {
        const res = await fetch(`${draining.httpUrl}/health`);
        return res.status === 503 ? res : undefined;
      },
      5_000,
      20,
    );
    expect(await health.json()).toMatchObject({ status: 'draining', gateway: draining.id });
    expect(v1.hasEnded()).toBe(false);
    expect(plain.ws.readyState).toBe(plain.ws.OPEN);
    expect(sse.hasEnded()).toBe(false);
    // New streams are refused with 503 (HAProxy retries them elsewhere).
    expect(await handshakeStatus(draining.wsUrl, auth)).toBe(503);
    expect(await handshakeStatus(draining.wsUrl, auth, 'feed.v1')).toBe(503);
    expect(await sseStatus(`${draining.httpUrl}/post/feed/posted`, auth)).toBe(503);

    // Written during the drain: may or may not reach the old sessions before they close.
    const during = (await author.post('/post/create', { text: 'during the drain' })).body as string;

    const [closedV1, closedPlain] = await Promise.all([v1.closed, plain.closed]);
    // The SDK reads both ends as "reconnect elsewhere, now".
    expect(closedV1).toMatchObject({ code: 1012, reconnectNow: true, auth: null });
    expect(closedV1.detail).toMatch(/reconnect/);
    expect(closedPlain.code).toBe(1012);
    expect(await sse.closed).toMatchObject({ reconnectNow: true, auth: null });
    // Spread over the window: when the first session closed, the other two were still open.
    expect(Math.max(...(await Promise.all(openAtClose)))).toBe(2);

    // Written after the sessions closed, before the client reconnects.
    const gap = (await author.post('/post/create', { text: 'between the gateways' })).body as string;
    expect(await exited).toBe(0);
    expect(draining.output()).toContain('"msg":"stopped"');
    expect((await p.cache.presence.lookup([reader.userId])).get(reader.userId) ?? []).not.toContain(draining.id);
    expect(await p.cache.presence.liveGateways()).not.toContain(draining.id);

    // feed.v1 resumes on the other gateway from its last id: nothing missed, nothing twice.
    await logHolds(p, reader.userId, [during, gap]);
    const lastV1 = v1.json().at(-1)!.id;
    const missed = (await eventLog(p, reader.userId)).filter(after(splitEventId(lastV1).logId));
    const back = await openFeed(other.httpUrl, { token: reader.token, since: lastV1 });
    const live = (await author.post('/post/create', { text: 'on the other gateway' })).body as string;
    await back.waitUntil('the live post on the other gateway', (f) => f.some((x) => x.data?.id === live));
    // A marker behind it: a duplicate of anything before would arrive ahead of it.
    const marker = (await author.post('/post/create', { text: 'marker' })).body as string;
    await back.waitUntil('the marker on the other gateway', (f) => f.some((x) => x.data?.id === marker));
    expect(back.json().map((x) => [x.type, x.data.id])).toEqual([...missed.map((e) => [e.type, e.postId]), ['post.created', live], ['post.created', marker]]);
    const posts = [...v1.json(), ...back.json()].filter((x) => x.type === 'post.created' && x.data.id !== marker).map((x) => x.data.id);
    expect([...posts].sort()).toEqual([p1, during, gap, live].sort());

    // So does the SSE stream, from its Last-Event-ID.
    const lastSse = sse.events.at(-1)!.id;
    const sseBack = await openFeed(other.httpUrl, { token: reader.token, transport: 'sse', since: lastSse });
    await sseBack.waitUntil('the marker over SSE', (ev) => ev.some((e) => e.data.id === marker));
    const ssePosts = [...sse.events, ...sseBack.events].filter((e) => e.type === 'post.created' && e.data.id !== marker).map((e) => e.data.id);
    expect([...ssePosts].sort()).toEqual([p1, during, gap, live].sort());
    back.close();
    sseBack.close();
  }, 60_000);

  it('exits non-zero when the drain cannot leave the presence registry (its Redis is gone)', async () => {
    const redis = await startPrivateRedis('single');
    const stranded = await startGateway(p, { ...redis.env, DRAIN_DELAY_MS: '0', DRAIN_WINDOW_MS: '0' });
    try {
      await redis.stop();
      expect(await stranded.stop('SIGTERM')).toBe(1);
      expect(stranded.output()).toContain('"msg":"drain failed"');
      expect(stranded.output()).toContain('"msg":"stopped"');
    } finally {
      await stranded.stop('SIGKILL');
      await redis.stop();
    }
  }, 60_000);
});
