// The gateway protects itself: a client that stops reading is closed as slow (4008) and recovers
// by resume; oversized or flooding client frames close the socket; requests that are not a
// stream are answered plainly; /health and /metrics answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { eventLog, logHolds, online, runtime, splitEventId, startGateway, type Gateway } from './harness.ts';
import { handshakeStatus, openFeed, openWs } from './clients.ts';

const POST_CHARS = 50_000;
let p: Pipeline;
let gw: Gateway;
let slow: Gateway;

beforeAll(async () => {
  // Long posts fill the socket buffers in a few dozen posts rather than a thousand.
  p = await startPipeline({ POST_MAX_CHARS: String(POST_CHARS) });
  await p.startWorker();
  [gw, slow] = await Promise.all([startGateway(p), startGateway(p, { SEND_BUFFER_LIMIT: '20000' })]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([gw?.stop('SIGKILL'), slow?.stop('SIGKILL')]);
  await p?.close();
});

const compareIds = (a: string, b: string) => {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
};

describe(`gateway limits on ${runtime}`, () => {
  it('closes a client that stops reading with 4008 once its send buffer passes the bound; it resumes from its last id', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    const client = await openWs(slow.wsUrl, { token: reader.token, protocol: 'feed.v1' });
    await online(p, reader.userId, slow);
    await reader.put(`/friend/set/${author.userId}`);
    await client.waitUntil('the follow notice', (f) => f.some((x) => x.type === 'friend.followed'));
    const slowBefore = await slow.metric('gateway_closes_total', { reason: 'slow' });

    // Stop reading: the kernel buffers fill, then the gateway's own buffer grows.
    // ws keeps the TCP socket private; pausing it is how a client that stops reading looks.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const socket = (client.ws as any)._socket;
    socket.pause();
    const written: string[] = [];
    for (let i = 0; i < 600; i++) {
      const text = `${i} `.padEnd(POST_CHARS, 'x');
      const reply = await author.post('/post/create', { text });
      expect(reply.status).toBe(200);
      written.push(reply.body);
      if (i % 5 === 4 && (await slow.metric('gateway_closes_total', { reason: 'slow' })) > slowBefore) break;
    }
    await waitFor('the slow close', async () => (await slow.metric('gateway_closes_total', { reason: 'slow' })) > slowBefore, 15_000);
    // Read again at once: what was queued arrives, then the close frame (the gateway gives a
    // client that does not read 5 s before it drops the connection).
    socket.resume();
    const closed = await client.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/slow/);
    expect(await slow.metric('gateway_closes_total', { reason: 'slow' })).toBeGreaterThanOrEqual(1);
    await online(p, reader.userId, slow, false);

    // What it got is a gap-free prefix of its log.
    const log = await logHolds(p, reader.userId, written);
    const got = client.json().filter((x) => x.type === 'post.created');
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(written.length + 1);
    const last = client.json().at(-1).id as string;
    const upToLast = log.filter((e) => e.type === 'post.created' && compareIds(e.id, splitEventId(last).logId) <= 0);
    expect(got.map((x) => x.data.id)).toEqual(upToLast.map((e) => e.postId));

    // Resume on the same gateway with the last id: everything after it, once, in log order.
    const missed = (await eventLog(p, reader.userId)).filter((e) => compareIds(e.id, splitEventId(last).logId) > 0);
    expect(missed.length + got.length).toBe(written.length);
    const back = await openFeed(slow.httpUrl, { token: reader.token, since: last });
    const live = (await author.post('/post/create', { text: 'short and live' })).body;
    const frames = await back.waitUntil('the live post after the replay', (f) => f.some((x) => x.data?.id === live), 20_000);
    expect(frames.map((x) => x.data.id)).toEqual([...missed.map((e) => e.postId), live]);
    expect(new Set([...got, ...frames].map((x) => x.data.id)).size).toBe(written.length + 1);
    back.close();
  }, 90_000);

  it('closes a client that sends a frame over MAX_FRAME_BYTES with 1009', async () => {
    const reader = await new Client(p.url).signUp();
    const client = await openWs(gw.wsUrl, { token: reader.token, protocol: 'feed.v1' });
    client.ws.send('x'.repeat(4096 + 1));
    const closed = await client.closed;
    expect(closed.code).toBe(1009);
    // A frame within the bound is fine.
    const ok = await openWs(gw.wsUrl, { token: reader.token, protocol: 'feed.v1' });
    ok.ws.send('x'.repeat(1000));
    await ok.roundTrip(); // the gateway has read the frame
    expect(ok.ws.readyState).toBe(ok.ws.OPEN);
    ok.close();
  });

  it('closes a client that floods more than CLIENT_MESSAGES_PER_10S messages with 1008', async () => {
    const [reader, flooder] = await Promise.all([new Client(p.url).signUp(), new Client(p.url).signUp()]);
    const before = await gw.metric('gateway_closes_total', { reason: 'rate' });
    const calm = await openWs(gw.wsUrl, { token: reader.token });
    for (let i = 0; i < 50; i++) calm.ws.send('hi');
    const flood = await openWs(gw.wsUrl, { token: flooder.token, protocol: 'feed.v1' });
    // Once the session is open (a flood before that is closed too, but not counted by reason).
    await online(p, flooder.userId, gw);
    for (let i = 0; i < 200; i++) flood.ws.send(`{"n":${i}}`);
    const closed = await flood.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/too many/);
    await waitFor('the rate close counted', async () => (await gw.metric('gateway_closes_total', { reason: 'rate' })) > before, 5_000);
    // 50 messages is within the limit: that client stays (the gateway has read all 50 by the pong).
    await calm.roundTrip();
    expect(calm.ws.readyState).toBe(calm.ws.OPEN);
    calm.close();
  });

  it('answers 406 to a GET that is neither an upgrade nor SSE, 404 to an unknown path, 405 to another method', async () => {
    const reader = await new Client(p.url).signUp();
    const auth = { authorization: `Bearer ${reader.token}` };
    const plain = await fetch(`${gw.httpUrl}/post/feed/posted`, { headers: auth });
    expect(plain.status).toBe(406);
    expect((await plain.json()).message).toMatch(/WebSocket|event-stream/);
    expect((await fetch(`${gw.httpUrl}/post/feed/posted`, { headers: { ...auth, accept: 'text/html' } })).status).toBe(406);
    const unknown = await fetch(`${gw.httpUrl}/nope`, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toHaveProperty('message');
    expect(await handshakeStatus(gw.wsUrl.replace('/post/feed/posted', '/post/feed'), auth)).toBe(404);
    expect((await fetch(`${gw.httpUrl}/post/feed/posted`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(405);
  });

  it('answers /health and /metrics with sessions, events out and delivery lag', async () => {
    const health = await fetch(`${gw.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', gateway: gw.id });

    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    const client = await openWs(gw.wsUrl, { token: reader.token });
    await online(p, reader.userId, gw);
    // Let the follow notice reach the gateway first: a post overtaking it would come by a gap
    // fill from the log (no creation time, so no lag sample), not straight from the queue.
    const inBefore = await gw.metric('gateway_messages_in_total');
    await reader.put(`/friend/set/${author.userId}`);
    await waitFor('the follow notice in the log', async () => (await eventLog(p, reader.userId)).some((e) => e.type === 'friend.followed'));
    await waitFor('the follow notice at the gateway', async () => (await gw.metric('gateway_messages_in_total')) > inBefore);
    const outBefore = await gw.metric('gateway_events_out_total');
    await author.post('/post/create', { text: 'measured' });
    await client.waitForCount(1);

    const res = await fetch(`${gw.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    for (const name of ['gateway_sessions', 'gateway_events_out_total', 'gateway_delivery_lag_seconds_bucket', 'gateway_messages_in_total']) {
      expect(text, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
    expect(text).toContain(`gateway="${gw.id}"`);
    expect(await gw.metric('gateway_sessions', { transport: 'websocket' })).toBeGreaterThanOrEqual(1);
    expect(await gw.metric('gateway_events_out_total')).toBeGreaterThan(outBefore);
    expect(await gw.metric('gateway_delivery_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    client.close();
  });
});
