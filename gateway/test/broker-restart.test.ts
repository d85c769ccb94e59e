// RabbitMQ restarted under open sessions: the gateway keeps its sockets, relinks its queue, and
// the post written during the outage (waiting in the outbox) reaches every session exactly once,
// then the live stream goes on. Runs against a private RabbitMQ node that the test can stop.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { RabbitNode } from '../../test/support/rabbit-node.ts';
import { waitFor } from '../../test/support/ports.ts';
import { online, runtime, startGateway, type Gateway } from './harness.ts';
import { openFeed, openWs } from './clients.ts';

let node: RabbitNode;
let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  node = await RabbitNode.start();
  p = await startPipeline({ AMQP_URL: node.url });
  await p.startWorker();
  gw = await startGateway(p);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([gw?.stop('SIGKILL')]);
  // The node may be down if a test failed mid-outage: bring it up so the pipeline can clean up.
  if (node) await node.startApp().catch(() => {});
  await p?.close().catch(() => {});
  await node?.stop();
}, 120_000);

describe(`broker restart on ${runtime}`, () => {
  it('keeps the WebSocket and SSE sessions open and delivers the post written during the outage exactly once, then live ones', async () => {
    onTestFailed(() => {
      console.log(`gateway output:\n${gw.output().slice(-4000)}`);
      console.log(`worker output:\n${p.workers.map((w) => w.output().slice(-3000)).join('\n')}`);
    });
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    const v1 = await openFeed(gw.httpUrl, { token: reader.token });
    const plain = await openWs(gw.wsUrl, { token: reader.token });
    const sse = await openFeed(gw.httpUrl, { token: reader.token, transport: 'sse' });
    await online(p, reader.userId, gw);
    await reader.put(`/friend/set/${author.userId}`);
    const before = (await author.post('/post/create', { text: 'before the outage' })).body as string;
    await plain.waitForCount(1, 30_000);
    await v1.waitUntil('the first post', (f) => f.some((x) => x.data?.id === before));
    await sse.waitUntil('the first post over SSE', (ev) => ev.some((e) => e.type === 'post.created'));
    let closes = 0;
    plain.ws.on('close', () => closes++);

    await node.stopApp();
    await waitFor('the gateway to notice', async () => (await fetch(`${gw.httpUrl}/health`)).status === 503, 20_000, 100);
    const reply = await author.post('/post/create', { text: 'during the outage' });
    expect(reply.status).toBe(200); // accepted: it waits in the outbox
    const during = reply.body as string;

    await node.startApp();
    await waitFor('the gateway to relink', async () => (await fetch(`${gw.httpUrl}/health`)).status === 200, 60_000, 200);
    await plain.waitForCount(2, 60_000);
    await v1.waitUntil('the outage post on feed.v1', (f) => f.some((x) => x.data?.id === during), 30_000);
    await sse.waitUntil('the outage post over SSE', (ev) => ev.some((e) => e.type === 'post.created' && e.data.id === during), 30_000);

    const after = (await author.post('/post/create', { text: 'after the outage' })).body as string;
    await plain.waitForCount(3, 30_000);
    await v1.waitUntil('the post after the outage', (f) => f.some((x) => x.data?.id === after), 30_000);
    await sse.waitUntil('the post after over SSE', (ev) => ev.some((e) => e.type === 'post.created' && e.data.id === after), 30_000);
    // A marker behind them: a duplicate of any of the three would arrive ahead of it.
    const marker = (await author.post('/post/create', { text: 'marker' })).body as string;
    await plain.waitUntil('the marker', (f) => f.some((x) => x.postId === marker), 30_000);
    await v1.waitUntil('the marker on feed.v1', (f) => f.some((x) => x.data?.id === marker), 30_000);
    await sse.waitUntil('the marker over SSE', (ev) => ev.some((e) => e.data.id === marker), 30_000);

    // The same sockets, never closed, each post once and in order.
    expect(closes).toBe(0);
    expect(plain.ws.readyState).toBe(plain.ws.OPEN);
    expect(v1.hasEnded()).toBe(false);
    expect(sse.hasEnded()).toBe(false);
    expect(plain.json()).toEqual([
      { postId: before, postText: 'before the outage', author_user_id: author.userId },
      { postId: during, postText: 'during the outage', author_user_id: author.userId },
      { postId: after, postText: 'after the outage', author_user_id: author.userId },
      { postId: marker, postText: 'marker', author_user_id: author.userId },
    ]);
    expect(
      v1
        .json()
        .filter((x) => x.type === 'post.created')
        .map((x) => x.data.id),
    ).toEqual([before, during, after, marker]);
    expect(v1.json().filter((x) => x.type === 'feed.reset')).toEqual([]);
    expect(sse.events.filter((e) => e.type === 'post.created').map((e) => e.data.id)).toEqual([before, during, after, marker]);
    v1.close();
    plain.close();
    sse.close();
  }, 180_000);
});
