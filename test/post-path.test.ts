// docs/architecture.md's "The path of one post", measured rather than drawn: core, a fan-out
// worker and a gateway run as processes with their inspector open; V8's precise coverage (call
// counts) is reset after a warm-up post and read again once one more post has reached a
// WebSocket and an SSE follower. Every file of the repository whose code ran in that window must
// be named in the section (on the numbered path, or beside it as plumbing, instrumentation or a
// chore on its own clock), and every file of the numbered path must have run.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import amqp from 'amqplib';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { connectRedis, unlinkMatching } from '@feed/cache';
import { STREAM_PATH, topology } from '@feed/contracts';
import { Client } from '../core/test/client.ts';
import { pathsIn, postPathSection, postPathSteps, stepFile } from './support/architecture-doc.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { Launcher, ROOT, type StackProcess } from './support/launcher.ts';
import { waitFor } from './support/ports.ts';

const numbered = postPathSteps()
  .map(stepFile)
  .filter((file): file is string => file !== undefined);
const named = new Set(pathsIn(postPathSection()));
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** Chrome DevTools Protocol over a process's inspector WebSocket: just the profiler calls. */
class Inspector {
  private next = 0;
  private readonly replies = new Map<number, (result: unknown) => void>();
  private readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => this.socket.once('open', () => resolve()).once('error', reject));
    this.socket.on('message', (data) => {
      const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (reply.id !== undefined) this.replies.get(reply.id)?.(reply.result);
    });
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.next;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.replies.set(id, resolve as (result: unknown) => void));
  }

  close(): void {
    this.socket.close();
  }
}

interface ScriptCoverage {
  url: string;
  functions: { functionName: string; ranges: { count: number }[] }[];
}

/** Repository files (outside node_modules) with a function called since the last take; takes reset the counts. */
async function filesRun(inspector: Inspector): Promise<Set<string>> {
  const { result } = await inspector.call<{ result: ScriptCoverage[] }>('Profiler.takePreciseCoverage');
  const root = pathToFileURL(ROOT).href;
  return new Set(result.filter((s) => s.url.startsWith(root) && !s.url.includes('/node_modules/') && s.functions.some((f) => f.ranges[0]!.count > 0)).map((s) => s.url.slice(root.length).replace(/\?.*$/, '')));
}

const tag = randomBytes(4).toString('hex');
const prefix = { redis: `${inject('redisPrefix')}path${tag}:`, amqp: `test.path${tag}.` };
const launcher = new Launcher({
  env: {
    NODE_ENV: 'test',
    REDIS_URL: inject('redisUrl'),
    REDIS_CLUSTER_NODES: '',
    REDIS_PREFIX: prefix.redis,
    AMQP_URL,
    AMQP_PREFIX: prefix.amqp,
    JWT_SECRET: randomBytes(32).toString('hex'),
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'silent',
    GATEWAY_ID: `path${tag}`,
    NO_COLOR: '1',
  },
});
let database: TestDatabase;
const inspectors = new Map<string, Inspector>();
let core: StackProcess;
let gateway: StackProcess;

/** The inspector a process opened (`--inspect=127.0.0.1:0` picks a free port and prints it). */
async function inspect(proc: StackProcess): Promise<Inspector> {
  const url = await waitFor(`${proc.spec.name}'s inspector`, async () => /Debugger listening on (ws:\/\/\S+)/.exec(proc.output())?.[1], 10_000, 50);
  const inspector = new Inspector(url);
  await inspector.opened;
  await inspector.call('Profiler.enable');
  await inspector.call('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  return inspector;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const nodeArgs = ['--inspect=127.0.0.1:0'];
  core = await launcher.start('core', 'core', { env: { DATABASE_URL: database.url }, nodeArgs });
  const worker = await launcher.start('worker', 'worker', { env: { DATABASE_URL: database.url }, nodeArgs });
  // The gateway's hourly chores stay out of the window; its sub-second ones are named in the section.
  const chores = { PRESENCE_REFRESH_MS: '3600000', GATEWAY_HEARTBEAT_MS: '3600000', PRESENCE_TTL_MS: '7200000', REVOCATION_CHECK_MS: '3600000' };
  gateway = await launcher.start('gateway', 'gateway', { env: chores, nodeArgs });
  await Promise.all([core, worker, gateway].map((p) => p.waitHealthy(30_000)));
  for (const proc of [core, worker, gateway]) inspectors.set(proc.spec.name, await inspect(proc));
}, 90_000);

afterAll(async () => {
  for (const inspector of inspectors.values()) inspector.close();
  await launcher.close();
  const names = topology(prefix.amqp);
  // Each clean-up is tried whatever another's fate; the first failure is reported.
  const cleaned = await Promise.allSettled([
    (async () => {
      const redis = connectRedis(inject('redisUrl'), () => {});
      await unlinkMatching(redis, `${prefix.redis}*`).finally(() => redis.quit());
    })(),
    (async () => {
      const conn = await amqp.connect(AMQP_URL);
      const ch = await conn.createChannel();
      for (const q of [names.fanoutQueue, names.deadLetterQueue, names.gatewayQueue(`path${tag}`)]) await ch.deleteQueue(q);
      for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await ch.deleteExchange(x);
      await conn.close();
    })(),
    database?.drop(),
  ]);
  const failed = cleaned.find((c) => c.status === 'rejected');
  if (failed) throw failed.reason;
});

it('names every file whose code runs for one post, and runs every file of its numbered path', async () => {
  const api = new Client(core.url);
  const author = await api.signUp({ first_name: 'Ada', second_name: 'Author' });
  const follower = await api.signUp({ first_name: 'Fred', second_name: 'Follower' });
  expect((await follower.put(`/friend/set/${author.userId}`)).status).toBe(200);

  const stream = `${gateway.url.replace(/^http/, 'ws')}${STREAM_PATH}`;
  const wsFrames: string[] = [];
  const socket = new WebSocket(stream, 'feed.v1', { headers: { authorization: `Bearer ${follower.token}` } });
  socket.on('message', (data) => wsFrames.push(String(data)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const sse = await fetch(`${gateway.url}${STREAM_PATH}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${follower.token}` } });
  expect(sse.status).toBe(200);
  let sseText = '';
  void (async () => {
    for await (const chunk of sse.body!.pipeThrough(new TextDecoderStream())) sseText += chunk;
  })().catch(() => {});

  const post = async (text: string) => {
    const id = String((await author.post('/post/create', { text })).body);
    await waitFor(`post ${id} on both streams`, async () => (wsFrames.some((f) => f.includes(`"${id}"`)) && sseText.includes(`"${id}"`)) || undefined, 20_000, 20);
  };
  await post('warm-up: every lazy first call happens here');
  for (const inspector of inspectors.values()) await filesRun(inspector);
  await post('the post whose path is measured');
  const ran = new Map<string, Set<string>>();
  for (const [name, inspector] of inspectors) ran.set(name, await filesRun(inspector));
  socket.close();
  await sse.body?.cancel().catch(() => {});

  const everyFile = new Set([...ran.values()].flatMap((files) => [...files]));
  const unnamed = [...everyFile].filter((file) => !named.has(file)).sort();
  expect(unnamed, `ran for the post but not named in "The path of one post": ${JSON.stringify(Object.fromEntries([...ran].map(([n, f]) => [n, [...f].sort()])))}`).toEqual([]);
  expect(numbered.filter((file) => !everyFile.has(file))).toEqual([]);
});
