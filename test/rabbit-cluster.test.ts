// A real three-node RabbitMQ cluster on this machine, with the whole pipeline and two gateways
// on it, and one node stopped under a steady stream of posts. The node we stop hosts what there
// is to lose: the outbox relay's and the worker's connections, the fan-out quorum queue's
// leader, and gateway A's own queue (with its connection). Every post written during the test
// must still reach every follower's feed.v1 stream (read through the client SDK) exactly once,
// with no reset. The latencies
// it prints are a measurement (docs/rabbitmq.md), not an assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { startPipeline, type Pipeline } from '../core/test/pipeline.ts';
import { Client } from '../core/test/client.ts';
import { online, startGateway, type Gateway } from '../gateway/test/harness.ts';
import { openFeed, type FeedStream, type Frame } from '../gateway/test/clients.ts';
import { RabbitCluster } from './support/rabbit-cluster.ts';
import { waitFor } from './support/ports.ts';
import { median } from '../bench/stats.ts';

const VICTIM = 2; // the node we stop
const RATE_PER_S = 10;
const BEFORE_MS = 4_000; // posting before the stop
const AFTER_MS = 12_000; // and after it
const PATIENCE_MS = 60_000; // how long to wait for every post at every follower before failing

let cluster: RabbitCluster | undefined;
let p: Pipeline | undefined;
let gwA: Gateway | undefined;
let gwB: Gateway | undefined;
const sockets: FeedStream[] = [];

type User = Client & { userId: string };

beforeAll(async () => {
  cluster = await RabbitCluster.start();
  // Core (relay and worker) and gateway A start on the victim; gateway B on node 3. Each
  // process moves down its own list when its node goes.
  p = await startPipeline({ AMQP_URL: cluster.amqpUrl(VICTIM) });
  // The pipeline's own admin helper connects to AMQP_URL as one URL; ask a node we keep instead.
  const keep = cluster.urls[0]!;
  const fanoutQueue = p.names.fanoutQueue;
  p.consumers = async () => {
    const conn = await amqp.connect(keep);
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => {}); // 404 until a worker has declared the queue
      return (await ch.checkQueue(fanoutQueue)).consumerCount;
    } finally {
      await conn.close().catch(() => {});
    }
  };
  await p.startWorker();
  [gwA, gwB] = await Promise.all([startGateway(p, { AMQP_URL: cluster.amqpUrl(VICTIM) }), startGateway(p, { AMQP_URL: cluster.amqpUrl(3) })]);
}, 150_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.allSettled([gwA?.stop('SIGKILL'), gwB?.stop('SIGKILL')]);
  await p?.close().catch(() => {});
  await cluster?.stop(); // always: no node outlives the test
}, 120_000);

describe('a three-node RabbitMQ cluster', () => {
  it('keeps live delivery going when the node under the relay, the worker, the quorum leader and a gateway queue stops', async () => {
    const c = cluster!;
    const pipe = p!;
    const [a, b] = [gwA!, gwB!];
    expect((await c.runningNodes()).sort()).toEqual([...c.nodes].sort());

    // Two authors, six followers (three per gateway), each following both authors.
    const anon = new Client(pipe.url);
    const authors: User[] = await Promise.all([anon.signUp(), anon.signUp()]);
    const followers: User[] = await Promise.all(Array.from({ length: 6 }, () => anon.signUp()));
    const arrivals = new Map<string, Map<string, number[]>>(); // follower -> post id -> arrival times
    const frames = new Map<string, Frame[]>();
    for (const [i, f] of followers.entries()) {
      const gw = i % 2 === 0 ? a : b;
      const seen = new Map<string, number[]>();
      arrivals.set(f.userId, seen);
      const received: Frame[] = [];
      frames.set(f.userId, received);
      const ws = await openFeed(gw.httpUrl, {
        token: f.token,
        onEvent(frame) {
          received.push(frame);
          if (frame.type === 'post.created') seen.set(frame.data.id, [...(seen.get(frame.data.id) ?? []), Date.now()]);
        },
      });
      sockets.push(ws);
      await online(pipe, f.userId, gw);
      for (const author of authors) expect((await f.put(`/friend/set/${author.userId}`)).status).toBe(200);
      await ws.waitUntil('both follow notices', (fs) => fs.filter((x) => x.type === 'friend.followed').length === 2);
    }

    // Where things live before the stop: gateway A's queue and the fan-out leader on the victim.
    const victim = c.nodes[VICTIM - 1]!;
    const before = await c.queues(1);
    const where = (name: string) => before.find((q) => q.name === name)?.node;
    expect(where(pipe.names.gatewayQueue(a.id))).toBe(victim);
    expect(where(pipe.names.gatewayQueue(b.id))).toBe(c.nodes[2]);
    expect(where(pipe.names.fanoutQueue)).toBe(victim);
    const connectionsBefore = await c.connectionsPerNode(1);

    // A steady stream of posts, alternating authors; the victim stops BEFORE_MS in.
    const written: { id: string; at: number }[] = [];
    const failures: string[] = [];
    const start = Date.now();
    let n = 0;
    const inflight: Promise<void>[] = [];
    const timer = setInterval(() => {
      const author = authors[n % 2]!;
      const text = `post ${n++}`;
      inflight.push(
        author.post('/post/create', { text }).then(
          (reply) => {
            if (reply.status === 200) written.push({ id: reply.body as string, at: Date.now() });
            else failures.push(`${text}: ${reply.status}`);
          },
          (err) => void failures.push(`${text}: ${(err as Error).message}`),
        ),
      );
    }, 1000 / RATE_PER_S);

    await new Promise((r) => setTimeout(r, BEFORE_MS));
    const stoppedAt = Date.now();
    await c.stopApp(VICTIM);
    const stopTook = Date.now() - stoppedAt;
    await new Promise((r) => setTimeout(r, AFTER_MS - stopTook));
    clearInterval(timer);
    await Promise.all(inflight);
    expect(failures).toEqual([]); // the API never noticed: posts wait in the outbox if need be

    // Every post reaches every follower.
    const ids = written.map((w) => w.id);
    await waitFor('every post at every follower', async () => followers.every((f) => ids.every((id) => arrivals.get(f.userId)!.has(id))), PATIENCE_MS, 100).catch((err) => {
      const missing = followers.map((f) => ids.filter((id) => !arrivals.get(f.userId)!.has(id)).length);
      throw new Error(`${(err as Error).message}; missing per follower: ${missing.join(',')}`);
    });
    // A marker from each author, behind their posts: a late duplicate would arrive ahead of it.
    const markers = await Promise.all(authors.map(async (author) => (await author.post('/post/create', { text: 'marker' })).body as string));
    await waitFor('both markers at every follower', async () => followers.every((f) => markers.every((id) => arrivals.get(f.userId)!.has(id))), PATIENCE_MS, 100);

    // ...exactly once each, with no reset.
    const latency = (w: { id: string; at: number }) => Math.max(...followers.map((f) => arrivals.get(f.userId)!.get(w.id)![0]!)) - w.at;
    for (const f of followers) {
      const seen = arrivals.get(f.userId)!;
      expect(
        ids.filter((id) => seen.get(id)!.length !== 1),
        `duplicates at ${f.userId}`,
      ).toEqual([]);
      expect(frames.get(f.userId)!.filter((x) => x.type === 'feed.reset')).toEqual([]);
    }
    const worst = Math.max(...written.map(latency));

    // After the stop: gateway A redeclared its queue elsewhere, a new fan-out leader was elected.
    const after = await c.queues(1);
    const whereNow = (name: string) => after.find((q) => q.name === name)?.node;
    expect(whereNow(pipe.names.gatewayQueue(a.id))).not.toBe(victim);
    expect(whereNow(pipe.names.fanoutQueue)).not.toBe(victim);
    expect(await c.runningNodes()).not.toContain(victim);

    // The measurements docs/rabbitmq.md quotes.
    const lines = (gw: Gateway) =>
      gw
        .output()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return {};
          }
        });
    const droppedA = lines(a).find((l) => l.msg === 'broker disconnected; reconnecting');
    const resyncA = lines(a).find((l) => l.msg === 'resyncing sessions' && l.why === 'broker reconnected');
    const consumingAgain = lines(a).filter((l) => l.msg === 'consuming gateway queue')[1];
    const phase = (from: number, to: number) => written.filter((w) => w.at - start >= from && w.at - start < to).map(latency);
    const stats = (xs: number[]) => (xs.length ? { posts: xs.length, p50: median(xs), max: Math.max(...xs) } : { posts: 0 });
    const report = {
      posts: written.length,
      followers: followers.length,
      deliveries: written.length * followers.length,
      stopAppTookMs: stopTook,
      gatewayADisconnectedAfterMs: droppedA ? droppedA.time - stoppedAt : undefined,
      gatewayAQueueBackAfterMs: consumingAgain ? consumingAgain.time - stoppedAt : undefined,
      gatewayAResyncAfterMs: resyncA ? resyncA.time - stoppedAt : undefined,
      latencyMs: {
        beforeStop: stats(phase(0, BEFORE_MS)),
        firstFiveSecondsAfter: stats(phase(BEFORE_MS, BEFORE_MS + 5_000)),
        later: stats(phase(BEFORE_MS + 5_000, Infinity)),
        worst,
      },
      connectionsBefore,
      connectionsAfter: await c.connectionsPerNode(1),
      queuesAfter: after.filter((q) => q.name.startsWith(pipe.env.AMQP_PREFIX!)),
    };
    console.log(`rabbit-cluster failover: ${JSON.stringify(report, null, 2)}`);
  }, 180_000);
});
