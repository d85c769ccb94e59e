// `npm run bench:gateway [-- --connections 10000 --runtimes node,deno --clients 2000 --seconds 10 ...]`
//
// The gateway against the real Redis and RabbitMQ (and, for step 3, Postgres), on names of its
// own: Redis keys under `bench:gw:`, exchanges and queues under `bench.gw.`, database
// feed_bench_gateway; all removed at the end. Gateways are real processes
// (`node --import tsx gateway/src/main.ts`, or Deno). The clients live in the processes of a
// client pool (bench/client-pool.ts running bench/gateway-clients.ts), so that no process holds
// more than a few thousand sockets: ours are the client SDK (feed.v1 over WebSocket or SSE),
// Nchan's a raw client of its protocol; all only count frames.
//
//   1. memory per idle authenticated connection: RSS of one gateway before and after opening
//      --connections WebSocket (then SSE) sessions, median of samples after --settle seconds;
//      --memory-runs runs of each, and the median of the runs
//   2. frames/s one gateway (on each of --runtimes) delivers to --clients feed.v1 clients over
//      WebSocket and over SSE (--frame-transports), fed with `direct` gateway messages straight
//      onto its queue (as the fan-out worker sends them), against a plain `ws` server
//      (bench/plain-ws-server.ts)
//      pushing a frame of the same shape to the same WebSocket clients
//   3. what each gateway's queue receives with 1, 2 and 4 gateways: users spread over the
//      gateways, posts through the real pipeline (outbox relay here, a fan-out worker process)
//   4. a native anchor: Nchan (nginx's pub/sub module, in C; Debian's libnginx-mod-nchan), one
//      worker process, with the same clients: memory per idle WebSocket and EventSource
//      subscriber (one channel each, --memory-runs runs), and frames/s with CPU per frame to
//      --clients WebSocket and EventSource subscribers of one channel; ours as a ratio of it,
//      from steps 1 and 2 of the same run
//
// Prints progress to stderr, the summary to stdout, and writes `## Gateway` of docs/benchmarks.md.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { Redis } from 'ioredis';
import { ClientPool } from './client-pool.ts';
import type { EdgeConn, edgeClients } from './gateway-clients.ts';
import { seededIndex } from './random.ts';
import { median } from './stats.ts';
import { createCache } from '@feed/cache';
import { topology, type GatewayMessage } from '@feed/contracts';
import { createPool, inTransaction, migrate, outbox } from '@feed/db';
import { connectBroker, declareFanout, type RecoveringChannelModel } from '@feed/broker';
import { createLogger, loadConfig, OutboxRelay } from '@feed/core';
import { denoBinary } from '@feed/gateway/launch';
import { launch } from '../test/support/launcher.ts';
import { freePort } from '../test/support/ports.ts';
import { writeSection } from './report.ts';

const REDIS_PREFIX = 'bench:gw:';
const AMQP_PREFIX = 'bench.gw.';
const DB_NAME = 'feed_bench_gateway';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const OPTIONS = {
  steps: { type: 'string', default: '1,2,3,4' },
  connections: { type: 'string', default: '10000' },
  sse: { type: 'string', default: '10000' },
  runtimes: { type: 'string', default: 'node,deno' },
  settle: { type: 'string', default: '10' },
  'memory-runs': { type: 'string', default: '3' },
  'frame-transports': { type: 'string', default: 'ws,sse' },
  samples: { type: 'string', default: '5' },
  procs: { type: 'string', default: '4' },
  clients: { type: 'string', default: '2000' },
  recipients: { type: 'string', default: '1000' },
  seconds: { type: 'string', default: '10' },
  rounds: { type: 'string', default: '2' },
  text: { type: 'string', default: '120' },
  users: { type: 'string', default: '2000' },
  authors: { type: 'string', default: '40' },
  posts: { type: 'string', default: '400' },
  gateways: { type: 'string', default: '1,2,4' },
  /** Extra Node flags for gateway processes, e.g. `--gateway-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"`. */
  'gateway-node-args': { type: 'string', default: '' },
  /** Step 1 sends the gateway SIGUSR2 once settled (with --heapsnapshot-signal=SIGUSR2 in --gateway-node-args). */
  snapshot: { type: 'boolean', default: false },
  'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
  'amqp-url': { type: 'string', default: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
  'no-docs': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;
const { values: args } = parseArgs({ options: OPTIONS });
if (args.help) {
  // What the steps measure is this file's opening comment; the options and their defaults follow.
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const intro = lines
    .slice(
      0,
      lines.findIndex((line) => !line.startsWith('//')),
    )
    .map((line) => line.replace(/^\/\/ ?/, ''));
  const options = Object.entries(OPTIONS).map(([name, o]) => `  --${name}${o.type === 'string' ? ` (default: ${o.default || "''"})` : ''}`);
  process.stdout.write(`${[...intro, '', 'Options:', ...options].join('\n')}\n`);
  process.exit(0);
}
const num = (name: keyof typeof args) => Number(args[name]);
const STEPS = new Set(String(args.steps).split(',').map(Number));
const CONNECTIONS = num('connections');
const SSE_CONNECTIONS = num('sse');
const RUNTIMES = String(args.runtimes).split(',').filter(Boolean) as ('node' | 'deno')[];
const SETTLE = num('settle');
const MEMORY_RUNS = num('memory-runs');
const FRAME_TRANSPORTS = String(args['frame-transports']).split(',').filter(Boolean) as ('ws' | 'sse')[];
const TRANSPORT_NAME = { ws: 'WebSocket', sse: 'SSE' } as const;
const SAMPLES = num('samples');
const PROCS = num('procs');
const CLIENTS = num('clients');
const RECIPIENTS = num('recipients');
const SECONDS = num('seconds');
const ROUNDS = num('rounds');
const TEXT = num('text');
const USERS = num('users');
const AUTHORS = num('authors');
const POSTS = num('posts');
const WINDOW_ROUNDS = 32;
const GATEWAY_COUNTS = String(args.gateways).split(',').map(Number);
const GATEWAY_NODE_ARGS = String(args['gateway-node-args']).split(' ').filter(Boolean);
const SECRET = randomBytes(32).toString('hex');
const COMMAND = `npm run bench:gateway${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

const started = performance.now();
const log = (msg: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const n = (x: number) => Math.round(x).toLocaleString('en');
const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

// ---------------------------------------------------------------------------------------------
// Processes: everything started here is stopped on the way out, whatever happens.

const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/** Resident set size of a process, bytes. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
}

interface Gateway {
  id: string;
  runtime: 'node' | 'deno';
  pid: number;
  httpUrl: string;
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

async function startGateway(runtime: 'node' | 'deno', extra: Record<string, string> = {}): Promise<Gateway> {
  const id = `bench-${randomBytes(3).toString('hex')}`;
  const gw = await launch(
    id,
    'gateway',
    {
      runtime,
      nodeArgs: runtime === 'node' && GATEWAY_NODE_ARGS.length ? GATEWAY_NODE_ARGS : undefined,
      env: {
        NODE_ENV: 'production',
        GATEWAY_ID: id,
        HOST: '127.0.0.1',
        REDIS_URL: args['redis-url'],
        REDIS_PREFIX,
        AMQP_URL: args['amqp-url'],
        AMQP_PREFIX,
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        DRAIN_DELAY_MS: '0',
        DRAIN_WINDOW_MS: '0',
        ...extra,
      },
    },
    log,
  );
  await gw.waitHealthy();
  const httpUrl = gw.url;
  return {
    id,
    runtime,
    pid: gw.pid!,
    httpUrl,
    async metrics() {
      const text = await (await fetch(`${httpUrl}/metrics`)).text();
      const sums = new Map<string, number>();
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (m) sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + Number(m[3]));
      }
      return sums;
    },
    async stop() {
      // SIGINT: a clean stop without the drain (deletes the queue, unregisters presence).
      await gw.kill('SIGINT');
      if (/"level":(50|60)/.test(gw.output())) log(`gateway ${id} logged errors:\n${gw.output().slice(-2000)}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Client processes

let frames = 0;
const clients = new ClientPool<typeof edgeClients>(new URL('./gateway-clients.ts', import.meta.url), { processes: PROCS, settings: { secret: SECRET }, onBatch: (count) => (frames += count) });

/** Opens one connection per [userId, url] (ours: the server's site; Nchan: a subscriber URL). */
async function openClients(server: EdgeConn['server'], transport: EdgeConn['transport'], targets: [string, string][], what: string): Promise<void> {
  const opened = await clients.open(
    targets.map(([userId, url]) => ({ server, transport, userId, url })),
    { concurrency: 32, progress: (done, total) => log(`   ${what}: ${n(done)} of ${n(total)} tried`) },
  );
  const failed = opened.failed.length;
  if (failed > 0) throw new Error(`${failed} of ${targets.length} ${what} failed: ${opened.errors[0]?.message}`);
  log(`   ${what}: ${n(targets.length)} open in ${opened.seconds.toFixed(1)} s`);
}

/** Every frame the clients have received so far. */
async function framesReceived(): Promise<number> {
  await clients.flush();
  return frames;
}

async function closeClients(): Promise<void> {
  const { lost } = await clients.close();
  if (lost > 0) log(`   warning: ${n(lost)} connections ended before the clients closed them`);
}

const userId = (i: number) => String(1_000_000 + i);

// ---------------------------------------------------------------------------------------------
// Shared services

const redis = new Redis(args['redis-url']);
const cache = createCache(redis, { prefix: REDIS_PREFIX });
const names = topology(AMQP_PREFIX);
const amqpConnection = await amqp.connect(args['amqp-url']);
const rabbitVersion = String(amqpConnection.connection.serverProperties?.version ?? '?');

async function cleanRedis(): Promise<void> {
  const stream = redis.scanStream({ match: `${REDIS_PREFIX}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
}

// ---------------------------------------------------------------------------------------------
// 1. Memory per idle connection

interface MemoryRow {
  run: number;
  runtime: string;
  transport: string;
  connections: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number | null;
  heapAfter: number | null;
  perConnectionKb: number;
  heapPerConnectionKb: number | null;
}

async function sampleMemory(gw: Gateway): Promise<{ rss: number; heap: number | null; metricRss: number | null }> {
  const rssSamples: number[] = [];
  const heapSamples: number[] = [];
  const metricRss: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    rssSamples.push(rss(gw.pid));
    const m = await gw.metrics().catch(() => new Map<string, number>());
    if (m.has('nodejs_heap_size_used_bytes')) heapSamples.push(m.get('nodejs_heap_size_used_bytes')!);
    if (m.has('process_resident_memory_bytes')) metricRss.push(m.get('process_resident_memory_bytes')!);
    await sleep(1_000);
  }
  return { rss: median(rssSamples), heap: heapSamples.length ? median(heapSamples) : null, metricRss: metricRss.length ? median(metricRss) : null };
}

async function memoryRun(runtime: 'node' | 'deno', transport: 'ws' | 'sse', count: number, run: number): Promise<MemoryRow> {
  const label = `${runtime} ${TRANSPORT_NAME[transport]}, run ${run}`;
  log(`1. ${label}: starting a gateway`);
  const gw = await startGateway(runtime);
  try {
    // Warm-up: the handshake and session code paths compiled, pools and buffers allocated.
    await openClients(
      'feed',
      transport,
      Array.from({ length: 200 }, (_, i) => [userId(900_000 + i), gw.httpUrl] as [string, string]),
      'warm-up connections',
    );
    await sleep(1_000);
    await closeClients();
    await sleep(3_000);
    const before = await sampleMemory(gw);
    log(`1. ${label}: RSS before ${f1(before.rss / 2 ** 20)} MiB${before.heap !== null ? `, heap used ${f1(before.heap / 2 ** 20)} MiB` : ''}`);
    await openClients(
      'feed',
      transport,
      Array.from({ length: count }, (_, i) => [userId(i), gw.httpUrl] as [string, string]),
      `${label} connections`,
    );
    // A session counts once its start position is read, which may end after the client saw the handshake.
    let sessions = 0;
    for (const until = performance.now() + 10_000; (sessions = (await gw.metrics()).get('gateway_sessions') ?? 0) !== count && performance.now() < until;) await sleep(100);
    if (sessions !== count) log(`   warning: the gateway reports ${sessions} sessions, expected ${count}`);
    log(`1. ${label}: settling ${SETTLE} s, then ${SAMPLES} samples`);
    await sleep(SETTLE * 1000);
    const after = await sampleMemory(gw);
    if (args.snapshot) {
      log('1. heap snapshot (SIGUSR2)');
      process.kill(gw.pid, 'SIGUSR2');
      await sleep(20_000);
    }
    const row: MemoryRow = {
      run,
      runtime,
      transport: TRANSPORT_NAME[transport],
      connections: count,
      rssBefore: before.rss,
      rssAfter: after.rss,
      heapBefore: before.heap,
      heapAfter: after.heap,
      perConnectionKb: (after.rss - before.rss) / count / 1024,
      heapPerConnectionKb: before.heap !== null && after.heap !== null ? (after.heap - before.heap) / count / 1024 : null,
    };
    log(`1. ${label}: RSS after ${f1(after.rss / 2 ** 20)} MiB → ${f1(row.perConnectionKb)} KB per connection` + (row.heapPerConnectionKb !== null ? ` (heap used ${f1(row.heapPerConnectionKb)} KB)` : ''));
    return row;
  } finally {
    await closeClients();
    await gw.stop();
    await cleanRedis();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Frames/s: the gateway against a plain ws server

interface ThroughputRow {
  server: 'gateway' | 'gateway on deno' | 'plain ws' | 'nchan';
  transport: 'WebSocket' | 'SSE';
  round: number;
  framesPerSecond: number;
  cpuCores: number;
}

const postText = 'x'.repeat(TEXT);
/** A frame as a gateway sends it (feed.v1, with an id of the usual length), for the servers that send one string to all. */
const FRAME = JSON.stringify({ id: `AbCd1234.${Date.now()}-1.0`, type: 'post.created', data: { id: '123456789', text: postText, author_user_id: '1000001' } });

/** Frames/s received by all clients over SECONDS, after a 2 s warm-up, while `running`. */
async function measureFrames(pid: number, running: () => boolean): Promise<{ framesPerSecond: number; cpuCores: number }> {
  await sleep(2_000);
  const f0 = await framesReceived();
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const f1 = await framesReceived();
  const c1 = cpuSeconds(pid);
  const wall = (performance.now() - t0) / 1000;
  if (!running()) throw new Error('the load stopped before the measurement ended');
  return { framesPerSecond: (f1 - f0) / wall, cpuCores: (c1 - c0) / wall };
}

async function gatewayThroughput(round: number, transport: 'ws' | 'sse', runtime: 'node' | 'deno'): Promise<ThroughputRow> {
  const server = runtime === 'node' ? 'gateway' : 'gateway on deno';
  log(`2. round ${round}, ${server}: ${n(CLIENTS)} feed.v1 ${TRANSPORT_NAME[transport]} clients, ${n(RECIPIENTS)} recipients per message`);
  const users = Array.from({ length: CLIENTS }, (_, i) => userId(i));
  // The users' logs exist before they connect: the gateway's sessions start at the same epoch
  // the messages carry, so each recipient goes through the real de-duplication check.
  const epochs = await Promise.all(users.map((u) => cache.logs.open(u)));
  const gw = await startGateway(runtime);
  const channel = await amqpConnection.createChannel();
  let running = true;
  try {
    await openClients(
      'feed',
      transport,
      users.map((u) => [u, gw.httpUrl]),
      `gateway ${TRANSPORT_NAME[transport]} clients`,
    );
    await sleep(1_000);
    const base = Date.now();
    let seq = 0;
    let published = 0; // frames the published messages will produce
    const window = CLIENTS * WINDOW_ROUNDS;
    const publisher = (async () => {
      let received = await framesReceived();
      const f0 = received;
      while (running) {
        if (published - (received - f0) < window) {
          seq++;
          for (let i = 0; i < users.length; i += RECIPIENTS) {
            const recipients: [string, string, string][] = [];
            for (let j = i; j < Math.min(users.length, i + RECIPIENTS); j++) recipients.push([users[j]!, epochs[j]!, `${base}-${seq}`]);
            const message: GatewayMessage = {
              kind: 'direct',
              event: { type: 'post.created', postId: String(1_000_000 + seq), authorId: '1000001', text: postText },
              createdAt: Date.now(),
              recipients,
            };
            channel.publish(names.gatewayExchange, names.gatewayRoutingKey(gw.id), Buffer.from(JSON.stringify(message)));
            published += recipients.length;
          }
          if (seq % 4 === 0) await new Promise((r) => setImmediate(r));
        } else {
          await sleep(5);
          received = await framesReceived();
        }
      }
    })();
    const result = await measureFrames(gw.pid, () => running);
    running = false;
    await publisher;
    const closes = (await gw.metrics()).get('gateway_closes_total') ?? 0;
    if (closes > 0) log(`   warning: the gateway closed ${closes} sessions`);
    log(`2. round ${round}, ${server} ${TRANSPORT_NAME[transport]}: ${n(result.framesPerSecond)} frames/s, gateway CPU ${result.cpuCores.toFixed(2)} cores`);
    return { server, transport: TRANSPORT_NAME[transport], round, ...result };
  } finally {
    running = false;
    await channel.close().catch(() => {});
    await closeClients();
    await gw.stop();
    await cleanRedis();
  }
}

async function plainThroughput(round: number): Promise<ThroughputRow> {
  log(`2. round ${round}, plain ws server: ${n(CLIENTS)} clients`);
  const child = track(spawn(process.execPath, ['--import', 'tsx', 'bench/plain-ws-server.ts'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  try {
    await openClients(
      'feed',
      'ws',
      Array.from({ length: CLIENTS }, (_, i) => [userId(i), `http://127.0.0.1:${port}`]),
      'plain ws clients',
    );
    await sleep(1_000);
    let running = true;
    const done = new Promise((r) => child.once('message', r)).then(() => (running = false));
    child.send({ cmd: 'run', frame: FRAME, seconds: SECONDS + 3 });
    const result = await measureFrames(child.pid!, () => running);
    await done;
    log(`2. round ${round}, plain ws: ${n(result.framesPerSecond)} frames/s, server CPU ${result.cpuCores.toFixed(2)} cores`);
    return { server: 'plain ws', transport: 'WebSocket', round, ...result };
  } finally {
    await closeClients();
    child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// 3. What each gateway's queue receives, with 1, 2 and 4 gateways

interface RoutingRow {
  gateways: number;
  gateway: number;
  users: number;
  messages: number;
  expectedMessages: number;
  events: number;
  frames: number;
}

interface RoutingRun {
  gateways: number;
  rows: RoutingRow[];
  totalEvents: number;
  framesReceived: number;
  seconds: number;
}

async function routing(): Promise<{ runs: RoutingRun[]; followerCounts: number[] }> {
  const adminUrl = args['admin-url'];
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${DB_NAME}`;
  const url = dbUrl.toString();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  await migrate(url);
  log(`3. created and migrated ${DB_NAME}`);

  const env: Record<string, string> = {
    NODE_ENV: 'production',
    JWT_SECRET: SECRET,
    DATABASE_URL: url,
    REDIS_URL: args['redis-url'],
    REDIS_PREFIX,
    AMQP_URL: args['amqp-url'],
    AMQP_PREFIX,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
  };
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL, 'bench');
  const db = createPool(url, 4);
  const { rows: userRows } = await db.query<{ id: string }>(
    `INSERT INTO users (first_name, second_name, password_hash)
     SELECT 'Reader', 'Bench' || g, 'bench-placeholder' FROM generate_series(1, $1::int) g RETURNING id::text AS id`,
    [USERS],
  );
  const readers = userRows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
  const { rows: authorRows } = await db.query<{ id: string }>(
    `INSERT INTO users (first_name, second_name, password_hash)
     SELECT 'Author', 'Bench' || g, 'bench-placeholder' FROM generate_series(1, $1::int) g RETURNING id::text AS id`,
    [AUTHORS],
  );
  const authors = authorRows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
  // Authors with few followers and authors with many (up to a quarter of all users), so that
  // some posts reach only some gateways: 2, 5, 10, 25, ... followers.
  const sizes = [2, 5, 10, 25, 50, 100, 250, 500].map((s) => Math.min(s, Math.ceil(USERS / 4)));
  const followerCounts = authors.map((_, i) => sizes[i % sizes.length]!);
  const followersOf = new Map<string, string[]>();
  const rand = seededIndex(42); // the same follow graph on every run
  for (const [i, author] of authors.entries()) {
    const chosen = new Set<string>();
    while (chosen.size < followerCounts[i]!) chosen.add(readers[rand(readers.length)]!);
    followersOf.set(author, [...chosen]);
  }
  await db.query('INSERT INTO follows (follower_id, followee_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])', [[...followersOf.values()].flat(), [...followersOf.entries()].flatMap(([a, fs]) => fs.map(() => a))]);
  await db.query(
    `UPDATE users u SET follower_count = c.n
       FROM (SELECT followee_id, count(*)::int AS n FROM follows GROUP BY 1) c WHERE u.id = c.followee_id`,
  );
  log(`3. ${n(USERS)} readers, ${AUTHORS} authors with ${sizes.join('/')} followers`);

  const relayDb = createPool(url, 2);
  await (async () => {
    const conn = await amqp.connect(config.AMQP_URL);
    const ch = await conn.createChannel();
    await declareFanout(ch, names, config.FANOUT_DELIVERY_LIMIT);
    await conn.close();
  })();
  const relay = new OutboxRelay(relayDb, names, { databaseUrl: url, pollMs: 200, batchSize: 500, retentionSeconds: 3600 }, logger);
  const relayBroker: RecoveringChannelModel = await connectBroker(config.AMQP_URL, logger, (model) => relay.attach(model));
  await relay.start();
  const worker = await launch('worker', 'worker', { env }, log);
  for (let i = 0; ; i++) {
    const ch = await amqpConnection.createChannel();
    const { consumerCount } = await ch.checkQueue(names.fanoutQueue);
    await ch.close();
    if (consumerCount > 0) break;
    if (!worker.running || i > 300) throw new Error(`worker did not start: ${worker.output()}`);
    await sleep(100);
  }

  // As a feed read would: every reader's celebrity-follows set exists (none here), so no gateway
  // asks the worker for one and the messages counted below are the posts' alone.
  for (let i = 0; i < readers.length; i += 500) await Promise.all(readers.slice(i, i + 500).map((u) => cache.celebrityFollows.replace(u, [])));
  const runs: RoutingRun[] = [];
  try {
    for (const count of GATEWAY_COUNTS) {
      log(`3. ${count} gateway(s)`);
      const gateways = await Promise.all(Array.from({ length: count }, () => startGateway('node')));
      try {
        const home = (u: number) => u % count; // reader index → gateway index
        await openClients(
          'feed',
          'ws',
          readers.map((u, i) => [u, gateways[home(i)]!.httpUrl]),
          `readers on ${count} gateway(s)`,
        );
        for (const gw of gateways) {
          for (let i = 0; (await gw.metrics()).get('gateway_users') !== Math.ceil((USERS - gateways.indexOf(gw)) / count); i++) {
            if (i > 200) throw new Error(`gateway ${gw.id} did not register its users`);
            await sleep(50);
          }
        }
        const readerIndex = new Map(readers.map((u, i) => [u, i]));
        const before = await framesReceived();
        const expected = { events: 0, messages: gateways.map(() => 0), events_: gateways.map(() => 0) };
        const postAuthors = Array.from({ length: POSTS }, (_, i) => authors[i % authors.length]!);
        for (const author of postAuthors) {
          const on = new Set<number>();
          for (const u of followersOf.get(author)!) {
            const g = home(readerIndex.get(u)!);
            on.add(g);
            expected.events_[g]!++;
            expected.events++;
          }
          for (const g of on) expected.messages[g]!++;
        }
        const t0 = performance.now();
        await inTransaction(db, async (tx) => {
          for (const [i, author] of postAuthors.entries()) {
            await outbox.createAnnouncedPost(tx, author, `bench routing ${count}/${i}`);
          }
        });
        let received = 0;
        for (let last = performance.now(); (received = (await framesReceived()) - before) < expected.events;) {
          await sleep(50);
          if (performance.now() - last > 5_000) {
            last = performance.now();
            log(`   ${n(received)} of ${n(expected.events)} frames received`);
          }
          if (performance.now() - t0 > 120_000) throw new Error(`only ${received} of ${expected.events} frames arrived`);
        }
        const seconds = (performance.now() - t0) / 1000;
        await sleep(500);
        const rows: RoutingRow[] = [];
        for (const [g, gw] of gateways.entries()) {
          const m = await gw.metrics();
          rows.push({
            gateways: count,
            gateway: g + 1,
            users: m.get('gateway_users') ?? 0,
            messages: m.get('gateway_messages_in_total') ?? 0,
            expectedMessages: expected.messages[g]!,
            events: m.get('gateway_events_in_total') ?? 0,
            frames: m.get('gateway_events_out_total') ?? 0,
          });
        }
        const run: RoutingRun = { gateways: count, rows, totalEvents: expected.events, framesReceived: received, seconds };
        runs.push(run);
        for (const r of rows) {
          log(`3. ${count} gateway(s), #${r.gateway}: ${n(r.users)} users, ${n(r.messages)} messages (expected ${n(r.expectedMessages)}), ${n(r.events)} recipient events = ${pct(r.events / expected.events)} of ${n(expected.events)}`);
        }
      } finally {
        await closeClients();
        await Promise.all(gateways.map((g) => g.stop()));
      }
    }
  } finally {
    await worker.kill('SIGTERM');
    await relay.stop();
    await relayBroker.close().catch(() => {});
    await Promise.allSettled([db.end(), relayDb.end()]);
    const admin2 = new pg.Client({ connectionString: adminUrl });
    await admin2.connect();
    await admin2.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin2.end();
  }
  return { runs, followerCounts };
}

// ---------------------------------------------------------------------------------------------
// 4. A native anchor: Nchan

const NGINX = '/usr/sbin/nginx';
/** Where Debian's libnginx-mod-nchan puts the module (the first is a link to the second). */
const nchanModule = () => ['/usr/lib/nginx/modules', '/usr/share/nginx/modules'].map((d) => `${d}/ngx_nchan_module.so`).find((f) => existsSync(f));

interface Nchan {
  /** The single worker process: it holds the subscribers and writes the frames. */
  workerPid: number;
  url: string;
  stop(): Promise<void>;
}

async function startNchan(): Promise<Nchan> {
  const module = nchanModule();
  if (!existsSync(NGINX) || !module) throw new Error('step 4 needs nginx and libnginx-mod-nchan (apt-get install nginx-light libnginx-mod-nchan)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'feed-bench-nchan-'));
  const port = await freePort();
  // One worker, like one gateway process; a buffer of 32 messages per channel (resume by
  // Last-Event-ID, as the gateway resumes from the event log); no access log.
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `load_module ${module};
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 65536; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  nchan_shared_memory_size 256m;
  server {
    listen 127.0.0.1:${port};
    location ~ ^/sub/(\\w+)$ { nchan_subscriber websocket eventsource; nchan_channel_id $1; }
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; nchan_message_buffer_length 32; nchan_message_timeout 60s; }
  }
}
`,
  );
  const child = track(spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  let workerPid: number | undefined;
  while (!workerPid) {
    if (child.exitCode !== null) throw new Error(`nginx exited:\n${output}${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`nginx did not start:\n${output}`);
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    const up = await fetch(`${url}/pub/probe`, { method: 'POST', body: 'probe' }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (children && up) workerPid = Number(children.split(' ')[0]);
    else await sleep(100);
  }
  return {
    workerPid,
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT'); // graceful
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface NchanMemoryRow {
  run: number;
  transport: 'WebSocket' | 'SSE';
  connections: number;
  rssBefore: number;
  rssAfter: number;
  perConnectionKb: number;
}

async function rssMedian(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(rss(pid));
    await sleep(1_000);
  }
  return median(samples);
}

async function nchanMemory(transport: 'ws' | 'sse', count: number, run: number): Promise<NchanMemoryRow> {
  const label = `Nchan ${TRANSPORT_NAME[transport]}, run ${run}`;
  log(`4. ${label}: starting nginx`);
  const nchan = await startNchan();
  try {
    const url = (i: number) => `${transport === 'ws' ? nchan.url.replace('http:', 'ws:') : nchan.url}/sub/u${i}`;
    await openClients(
      'nchan',
      transport,
      Array.from({ length: 200 }, (_, i) => [userId(900_000 + i), url(900_000 + i)] as [string, string]),
      'warm-up subscribers',
    );
    await sleep(1_000);
    await closeClients();
    await sleep(3_000);
    const before = await rssMedian(nchan.workerPid);
    await openClients(
      'nchan',
      transport,
      Array.from({ length: count }, (_, i) => [userId(i), url(i)] as [string, string]),
      `${label} subscribers`,
    );
    log(`4. ${label}: settling ${SETTLE} s, then ${SAMPLES} samples`);
    await sleep(SETTLE * 1000);
    const after = await rssMedian(nchan.workerPid);
    const row: NchanMemoryRow = { run, transport: TRANSPORT_NAME[transport], connections: count, rssBefore: before, rssAfter: after, perConnectionKb: (after - before) / count / 1024 };
    log(`4. ${label}: worker RSS ${f1(before / 2 ** 20)} → ${f1(after / 2 ** 20)} MiB → ${f1(row.perConnectionKb)} KB per connection`);
    return row;
  } finally {
    await closeClients();
    await nchan.stop();
  }
}

async function nchanThroughput(round: number, transport: 'ws' | 'sse'): Promise<ThroughputRow> {
  log(`4. round ${round}, Nchan: ${n(CLIENTS)} ${TRANSPORT_NAME[transport]} subscribers of one channel`);
  const nchan = await startNchan();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const publish = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(`${nchan.url}/pub/all`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(FRAME) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`publish: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(FRAME);
    });
  let running = true;
  try {
    const subscribe = `${transport === 'ws' ? nchan.url.replace('http:', 'ws:') : nchan.url}/sub/all`;
    await openClients(
      'nchan',
      transport,
      Array.from({ length: CLIENTS }, (_, i) => [userId(i), subscribe] as [string, string]),
      `Nchan ${TRANSPORT_NAME[transport]} subscribers`,
    );
    await sleep(1_000);
    // The same window as the gateway's: at most CLIENTS × WINDOW_ROUNDS frames published and not yet received.
    const publisher = (async () => {
      const f0 = await framesReceived();
      let received = f0;
      let published = 0;
      while (running) {
        if (published - (received - f0) < CLIENTS * WINDOW_ROUNDS) {
          await publish();
          published += CLIENTS;
        } else {
          await sleep(5);
          received = await framesReceived();
        }
      }
    })();
    const result = await measureFrames(nchan.workerPid, () => running);
    running = false;
    await publisher;
    log(`4. round ${round}, Nchan ${TRANSPORT_NAME[transport]}: ${n(result.framesPerSecond)} frames/s, worker CPU ${result.cpuCores.toFixed(2)} cores`);
    return { server: 'nchan', transport: TRANSPORT_NAME[transport], round, ...result };
  } finally {
    running = false;
    agent.destroy();
    await closeClients();
    await nchan.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Run, report, clean up

function version(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch {
    return '?';
  }
}

const memory: MemoryRow[] = [];
const nchanMemoryRows: NchanMemoryRow[] = [];
const nchanFrames: ThroughputRow[] = [];
const throughput: ThroughputRow[] = [];
let routed: Awaited<ReturnType<typeof routing>> | undefined;
try {
  await cleanRedis();
  if (STEPS.has(1)) {
    // Run after run of every kind (not one kind's runs back to back), so a noisy minute spreads.
    for (let run = 1; run <= MEMORY_RUNS; run++) {
      for (const runtime of RUNTIMES) {
        memory.push(await memoryRun(runtime, 'ws', CONNECTIONS, run));
        if (SSE_CONNECTIONS > 0) memory.push(await memoryRun(runtime, 'sse', SSE_CONNECTIONS, run));
      }
    }
  }
  if (STEPS.has(2)) {
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate the order, so neither side always runs first on a shared machine.
      const plain = FRAME_TRANSPORTS.includes('ws') ? [() => plainThroughput(round)] : [];
      const ours = RUNTIMES.flatMap((runtime) => FRAME_TRANSPORTS.map((t) => () => gatewayThroughput(round, t, runtime)));
      for (const measure of round % 2 ? [...ours, ...plain] : [...plain, ...ours]) throughput.push(await measure());
    }
  }
  if (STEPS.has(3)) routed = await routing();
  if (STEPS.has(4) && !(existsSync(NGINX) && nchanModule())) {
    log('4. skipped: needs nginx and libnginx-mod-nchan (apt-get install nginx-light libnginx-mod-nchan)');
  } else if (STEPS.has(4)) {
    for (let run = 1; run <= MEMORY_RUNS; run++) {
      nchanMemoryRows.push(await nchanMemory('ws', CONNECTIONS, run));
      if (SSE_CONNECTIONS > 0) nchanMemoryRows.push(await nchanMemory('sse', SSE_CONNECTIONS, run));
    }
    for (let round = 1; round <= ROUNDS; round++) for (const t of FRAME_TRANSPORTS) nchanFrames.push(await nchanThroughput(round, t));
  }
} finally {
  await clients.stop();
  await cleanRedis();
  const ch = await amqpConnection.createChannel();
  ch.on('error', () => {});
  for (const q of [names.fanoutQueue, names.deadLetterQueue]) await ch.deleteQueue(q).catch(() => {});
  for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {});
  await amqpConnection.close().catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// The section

const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
await redis.quit();
const machine = [
  `- Command: \`${COMMAND}\``,
  `- Machine: ${os.cpus().length} cores (\`nproc\` ${version('nproc', [])}), ${f1(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? '?'}; \`ulimit -n\` ${version('sh', ['-c', 'ulimit -n'])}`,
  `- Node ${process.version}, ${version(denoBinary(), ['--version'])}, Redis ${redisVersion}, RabbitMQ ${rabbitVersion}; ${new Date().toISOString().slice(0, 10)}`,
  `- Clients: ${PROCS} client processes on the same machine (bench/gateway-clients.ts in the pool of bench/client-pool.ts): ours the client SDK, Nchan's a raw client of its protocol, all counting frames without decoding them. Absolute figures move from run to run with whatever else the machine (a virtual one) is doing; each comparison below ran side by side in the same run, and the ratios are what to read.`,
];

const out: string[] = ['## Gateway', '', ...machine, ''];

/** Each kind's runs (a runtime and transport, or Nchan's transport), kinds in the order they first ran. */
function byKind<T>(rows: readonly T[], kind: (row: T) => string): [string, T[]][] {
  const kinds = new Map<string, T[]>();
  for (const row of rows) {
    const runs = kinds.get(kind(row));
    if (runs) runs.push(row);
    else kinds.set(kind(row), [row]);
  }
  return [...kinds];
}
/** The median over runs of our Node gateway's RSS per connection on a transport (the Nchan comparison). */
const oursMedianKb = (transport: string) => {
  const runs = memory.filter((r) => r.runtime === 'node' && r.transport === transport);
  return runs.length ? median(runs.map((r) => r.perConnectionKb)) : undefined;
};

if (memory.length) {
  out.push(
    '### Memory per idle authenticated connection',
    '',
    `One gateway process per run; ${SAMPLES} samples 1 s apart, medians, before (after a warm-up of 200 connections, closed) and ${SETTLE} s after the last of the connections opened (RSS from /proc/<pid>/status VmRSS, heap from the gateway's /metrics); ${MEMORY_RUNS} run(s) of each kind, one kind after another within each run. Target: ≤ 12 KB per connection, the median of the runs.`,
    '',
    '| runtime | transport | connections | **RSS per connection, median** | runs | heap used per connection, median |',
    '|---|---|--:|--:|---|--:|',
    ...byKind(memory, (r) => `${r.runtime} ${r.transport}`).map(([, runs]) => {
      const heaps = runs.map((r) => r.heapPerConnectionKb).filter((h): h is number => h !== null);
      return `| ${runs[0]!.runtime} | ${runs[0]!.transport} | ${n(runs[0]!.connections)} | **${f1(median(runs.map((r) => r.perConnectionKb)))} KB** | ${runs.map((r) => f1(r.perConnectionKb)).join(', ')} KB | ${heaps.length ? `${f1(median(heaps))} KB` : 'n/a'} |`;
    }),
    '',
    '<details><summary>Every run</summary>',
    '',
    '| run | runtime | transport | RSS before | RSS after | RSS per connection | heap used per connection |',
    '|--:|---|---|--:|--:|--:|--:|',
    ...memory.map(
      (r) => `| ${r.run} | ${r.runtime} | ${r.transport} | ${f1(r.rssBefore / 2 ** 20)} MiB | ${f1(r.rssAfter / 2 ** 20)} MiB | ${f1(r.perConnectionKb)} KB | ${r.heapPerConnectionKb !== null ? `${f1(r.heapPerConnectionKb)} KB` : 'n/a'} |`,
    ),
    '',
    '</details>',
    '',
  );
}

/** Medians over rounds of one server's frames/s and CPU per frame (µs) on one transport; undefined when not run. */
function frameMedians(rows: readonly ThroughputRow[], server: ThroughputRow['server'], transport: ThroughputRow['transport']) {
  const mine = rows.filter((r) => r.server === server && r.transport === transport);
  if (mine.length === 0) return undefined;
  return { framesPerSecond: median(mine.map((r) => r.framesPerSecond)), cpuPerFrame: median(mine.map((r) => (r.cpuCores / r.framesPerSecond) * 1e6)), rounds: mine.length };
}

if (throughput.length) {
  const gw = frameMedians(throughput, 'gateway', 'WebSocket');
  const plain = frameMedians(throughput, 'plain ws', 'WebSocket');
  const sse = frameMedians(throughput, 'gateway', 'SSE');
  const onDeno = FRAME_TRANSPORTS.flatMap((t) => {
    const m = frameMedians(throughput, 'gateway on deno', TRANSPORT_NAME[t]);
    return m ? [`over ${TRANSPORT_NAME[t]} ${n(m.framesPerSecond)} frames/s at ${f1(m.cpuPerFrame)} µs per frame`] : [];
  });
  out.push(
    '### Frames per second: one gateway against a plain `ws` server',
    '',
    `${n(CLIENTS)} clients (feed.v1 through the client SDK, ${TEXT}-character post text, ${FRAME.length}-byte frames), over WebSocket and, for the gateway, over SSE too. The gateway is fed \`direct\` messages on its own queue, ${n(RECIPIENTS)} recipients per message (one message per batch of recipients, as the fan-out worker sends them), with at most ${n(CLIENTS * WINDOW_ROUNDS)} frames published and not yet received; the plain server (bench/plain-ws-server.ts) sends the same string to every WebSocket client in a loop, pausing when a client has 64 KiB queued. Frames counted at the clients over ${SECONDS} s after a 2 s warm-up; ${ROUNDS} rounds, alternating which runs first. CPU is the server process's user+system time per wall second.`,
    '',
    '| round | server | transport | frames/s | server CPU (cores) | server CPU per frame |',
    '|--:|---|---|--:|--:|--:|',
    ...throughput.map((r) => `| ${r.round} | ${r.server} | ${r.transport} | ${n(r.framesPerSecond)} | ${r.cpuCores.toFixed(2)} | ${f1((r.cpuCores / r.framesPerSecond) * 1e6)} µs |`),
    '',
    ...(gw && plain
      ? [
          `Median over WebSocket: gateway ${n(gw.framesPerSecond)} frames/s, plain ws ${n(plain.framesPerSecond)} frames/s: **the gateway delivers ${pct(gw.framesPerSecond / plain.framesPerSecond)} of the plain server's rate** (target ≥ 60 %); per frame the gateway spends ${f1(gw.cpuPerFrame)} µs of CPU against the plain server's ${f1(plain.cpuPerFrame)} µs (${pct(plain.cpuPerFrame / gw.cpuPerFrame)} of its efficiency).${sse ? ` Over SSE the gateway delivers ${n(sse.framesPerSecond)} frames/s at ${f1(sse.cpuPerFrame)} µs per frame.` : ''}${onDeno.length ? ` On Deno the same gateway delivers ${onDeno.join(', and ')}.` : ''}`,
          '',
        ]
      : []),
  );
}

if (routed) {
  out.push(
    '### What each gateway receives, with 1, 2 and 4 gateways',
    '',
    `${n(USERS)} readers connected over WebSocket, reader i on gateway i mod N; ${AUTHORS} authors with ${[...new Set(routed.followerCounts)].join(', ')} followers (random readers); ${n(POSTS)} posts through the real pipeline (Postgres outbox, relay, one fan-out worker process). "Messages" is gateway_messages_in_total, "recipient events" gateway_events_in_total; "expected" messages are the posts whose author has at least one follower on that gateway.`,
    '',
    '| gateways | gateway | users | messages in | expected | recipient events | share of all events | frames out |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...routed.runs.flatMap((run) => run.rows.map((r) => `| ${run.gateways} | ${r.gateway} | ${n(r.users)} | ${n(r.messages)} | ${n(r.expectedMessages)} | ${n(r.events)} | ${pct(r.events / run.totalEvents)} | ${n(r.frames)} |`)),
    '',
    ...routed.runs.map(
      (run) =>
        `- ${run.gateways} gateway(s): ${n(run.totalEvents)} recipient events in all, ${n(run.framesReceived)} frames received by the clients in ${run.seconds.toFixed(1)} s; messages summed over the gateways: ${n(run.rows.reduce((s, r) => s + r.messages, 0))} (per-recipient routing would be ${n(run.totalEvents)}).`,
    ),
    '',
  );
}

if (nchanMemoryRows.length || nchanFrames.length) {
  const ratio = (a: number | undefined, b: number) => (a === undefined || !Number.isFinite(a / b) ? 'not measured in this run' : `${(a / b).toFixed(2)}×`);
  out.push(
    '### A native anchor: Nchan',
    '',
    `Nchan ${version('sh', ['-c', "dpkg-query -W -f='${Version}' libnginx-mod-nchan"])} (nginx's pub/sub module, written in C) in ${version('sh', ['-c', `${NGINX} -v 2>&1`]).replace(/^nginx version: /, '')} with one worker process, served to the same client processes as the gateway above: memory per idle subscriber (one channel each, worker RSS, measured as in step 1, the median of ${MEMORY_RUNS} run(s)), and frames/s to ${n(CLIENTS)} WebSocket or EventSource subscribers of one channel, fed by HTTP publishes of the plain server's ${FRAME.length}-byte frame with the same window as the gateway (CPU of the worker per wall second). "Ours" is the Node gateway's figure from the steps above in the same run. Goal: memory per idle connection and CPU per frame at most Nchan's (ours ÷ Nchan ≤ 1.0× on those rows; on frames/s above 1.0× is better).`,
    '',
    '| measure | Nchan | ours (Node gateway) | ours ÷ Nchan |',
    '|---|--:|--:|--:|',
    ...byKind(nchanMemoryRows, (r) => r.transport).map(([transport, runs]) => {
      const theirs = median(runs.map((r) => r.perConnectionKb));
      const o = oursMedianKb(transport);
      return `| RSS per idle ${transport} connection (${n(runs[0]!.connections)}), median of ${runs.length} | ${f1(theirs)} KB | ${o !== undefined ? `${f1(o)} KB` : '–'} | ${ratio(o, theirs)} |`;
    }),
    ...(['WebSocket', 'SSE'] as const).flatMap((transport) => {
      const theirs = frameMedians(nchanFrames, 'nchan', transport);
      if (!theirs) return [];
      const o = frameMedians(throughput, 'gateway', transport);
      return [
        `| ${transport} frames/s (median of ${theirs.rounds}) | ${n(theirs.framesPerSecond)} | ${o ? n(o.framesPerSecond) : '–'} | ${ratio(o?.framesPerSecond, theirs.framesPerSecond)} |`,
        `| CPU per ${transport} frame | ${f1(theirs.cpuPerFrame)} µs | ${o ? `${f1(o.cpuPerFrame)} µs` : '–'} | ${ratio(o?.cpuPerFrame, theirs.cpuPerFrame)} |`,
      ];
    }),
    '',
  );
}

out.push(
  '### What limits each figure',
  '',
  "- **Memory per connection.** What a connection holds is mostly the `ws` library and Node: the socket (net.Socket with its readable and writable state), the WebSocket with its Receiver (itself a Writable stream) and Sender, the TCP handle; then the session and the hub's and token-expiry sweep's entries, a few hundred bytes. An SSE stream holds less, without the WebSocket's Receiver and Sender. The gateway reads a stream's request head itself and serves the stream (SSE, or the WebSocket upgrade) on the bare socket (gateway/src/transports/request-head.ts), so no HTTP parser state, and no IncomingMessage or ServerResponse (with every request header as a string) stays alive beside it. RSS also carries heap that is garbage between collections and the V8 heap's headroom, which is why RSS per connection is larger than the live heap per connection, and why one run's figure moves by a few KB with garbage-collection timing: so the table gives the median of the runs (`--memory-runs`, 3 by default) and lists each run. A heap snapshot of a settled gateway (`--gateway-node-args=--heapsnapshot-signal=SIGUSR2 --snapshot`) shows what each connection retains. Nchan's figure is its worker's RSS, which includes the shared-memory pages it touched for its channels.",
  "- **Frames per second.** The servers share two cores with the client processes, so the clients' CPU caps every rate; CPU per frame is the figure that shows a server's own cost. Most of a frame's cost is the `writev` system call of its socket write (on loopback it also runs the receiving side of TCP); a CPU profile of the gateway (`--gateway-node-args=\"--cpu-prof --cpu-prof-dir=/tmp/prof\"`, summed with `npx tsx bench/load/profile-top.ts`) shows it beside the gateway's own JavaScript (validation, the hub's lookups, de-duplication, encoding, metrics). The gateway corks a client's socket at its first frame of an event-loop turn and uncorks it once the ready I/O is handled (gateway/src/coalesce.ts), so the frames a client gets in one turn leave in one write, and it encodes an event's data once for all its recipients (each feed.v1 frame adds only its session's id); the plain server writes each frame as it comes. Nchan is fed by one HTTP publish per round of frames (the same frame to every subscriber of one channel), so its CPU per frame includes a publish shared by all the subscribers.",
  "- **Routing.** Each gateway receives one message per post that has at least one follower connected to it, listing only its own recipients: the recipient events each gateway handles are its users' share (about 1/N with users spread evenly), and the number of messages never exceeds the number of posts, whatever the follower counts. A post whose followers sit on few gateways reaches only those. The worker (one process here) and RabbitMQ's message rate bound the total; the per-gateway figures do not depend on them.",
  '',
);
const section = out.join('\n');
process.stdout.write(`${section}\n`);
if (!args['no-docs']) {
  await writeSection('Gateway', section);
  log('wrote ## Gateway in docs/benchmarks.md');
}
process.exit(0);
