// A gateway that falls behind (here: frozen with SIGSTOP while an author posts) leaves its backlog
// in its RabbitMQ queue, where the queue's length bound applies, rather than having the broker
// push all of it into its socket: only the prefetch window is in flight. Once it runs again the
// reader gets every post once, in order.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { logHolds, online, runtime, startGateway, type Gateway } from './harness.ts';
import { openWs } from './clients.ts';

const PREFETCH = 8;
const POSTS = 40;

let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  gw = await startGateway(p, { QUEUE_PREFETCH: String(PREFETCH) });
}, 90_000);

afterAll(async () => {
  if (gw) process.kill(gw.process.pid!, 'SIGCONT');
  await gw?.stop('SIGKILL');
  await p?.close();
});

async function readyInQueue(queue: string): Promise<number> {
  const connection = await amqp.connect(p.env.AMQP_URL!);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

describe(`a gateway behind on its queue, on ${runtime}`, () => {
  it('keeps all but the prefetch window in the queue while frozen, then delivers every post once, in order', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    await reader.put(`/friend/set/${author.userId}`);
    const stream = await openWs(gw.wsUrl, { token: reader.token });
    await online(p, reader.userId, gw);

    process.kill(gw.process.pid!, 'SIGSTOP');
    const postIds: string[] = [];
    for (let i = 0; i < POSTS; i++) postIds.push((await author.post('/post/create', { text: `backlog ${i}` })).body);
    await logHolds(p, reader.userId, postIds); // the worker has fanned every post out
    expect(await readyInQueue(p.names.gatewayQueue(gw.id))).toBeGreaterThanOrEqual(POSTS - PREFETCH);

    process.kill(gw.process.pid!, 'SIGCONT');
    const frames = await stream.waitForCount(POSTS);
    expect(frames.map((f) => f.postId)).toEqual(postIds);
    // A marker behind them: a duplicate would arrive ahead of it.
    const marker = (await author.post('/post/create', { text: 'marker' })).body as string;
    const all = await stream.waitUntil('the marker', (f) => f.some((x) => x.postId === marker));
    expect(all.map((f) => f.postId)).toEqual([...postIds, marker]);
    expect(await readyInQueue(p.names.gatewayQueue(gw.id))).toBe(0);
    stream.close();
  });
});
