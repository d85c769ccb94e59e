// `npm run bench:pipeline [-- --followers 10000 --celebrity 1000000 --reads 10000 ...]`
//
// The feed pipeline end to end, against the real Postgres, Redis and RabbitMQ, on names of its
// own: database feed_bench_pipeline (dropped and recreated, migrated with migrate()), Redis keys
// under `bench:pipeline:`, exchanges and queues under `bench.pipeline.`; all removed at the end.
// The outbox relay and the feed reader run in this process, fan-out workers are child processes
// (`node --import tsx core/src/worker.ts`), as in core/test/pipeline.ts.
//
//   1. one post reaching 10,000 followers whose feeds are built and logs open (the costly case)
//   2. worker throughput, 100 followers per author, with 1 and with 2 workers
//   3. a post by an author with 1,000,000 followers (celebrity path), against the extrapolated
//      cost of fanning it out on write
//   4. feed reads: the Redis-backed FeedReader against feedFromDatabase, in-process and over HTTP
//
// Prints progress to stderr, the summary to stdout, and writes `## Feed pipeline` of
// docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { RedisClient } from '@feed/cache';
import { type Pool, type Post, createPool, feedFromDatabase, follows, inTransaction, migrate, outbox } from '@feed/db';
import { signToken, tokenKey } from '@feed/contracts';
import { connectBroker, declareFanout, type RecoveringChannelModel } from '@feed/broker';
import { createApp, createLogger, createPost, createServices, FanoutConsumer, FeedReader, GatewayPublisher, loadConfig, OutboxRelay, retryPolicy } from '@feed/core';
import { launch, type StackProcess } from '../test/support/launcher.ts';
import { writeSection } from './report.ts';
import { seededIndex } from './random.ts';
import { median, stats, type Stats } from './stats.ts';

const DB_NAME = 'feed_bench_pipeline';
const REDIS_PREFIX = 'bench:pipeline:';
const AMQP_PREFIX = 'bench.pipeline.';

const { values: args } = parseArgs({
  options: {
    followers: { type: 'string', default: '10000' },
    repeats: { type: 'string', default: '3' },
    authors: { type: 'string', default: '200' },
    'per-author': { type: 'string', default: '100' },
    fans: { type: 'string', default: '2000' },
    posts: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '2' },
    celebrity: { type: 'string', default: '1000000' },
    readers: { type: 'string', default: '1000' },
    follows: { type: 'string', default: '50' },
    'posts-per-author': { type: 'string', default: '20' },
    reads: { type: 'string', default: '10000' },
    'http-reads': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    steps: { type: 'string', default: '1,2,3,4' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
    'amqp-url': { type: 'string', default: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof args) => Number(args[name]);
const FOLLOWERS = num('followers');
const REPEATS = num('repeats');
const AUTHORS = num('authors');
const PER_AUTHOR = num('per-author');
const FANS = num('fans');
const POSTS = num('posts');
const ROUNDS = num('rounds');
const CELEBRITY = num('celebrity');
const READERS = num('readers');
const FOLLOWS = num('follows');
const POSTS_PER_AUTHOR = num('posts-per-author');
const READS = num('reads');
const HTTP_READS = num('http-reads');
const CONCURRENCY = num('concurrency');
const STEPS = new Set(String(args.steps).split(',').map(Number));
const READ_AUTHORS = Math.max(FOLLOWS, Math.round((READERS * FOLLOWS) / 100)); // ~100 readers per author

const started = performance.now();
const log = (msg: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Numbers

const f = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const n = (x: number) => Math.round(x).toLocaleString('en');

/** Runs `work` over `items` with `concurrency` loops; returns each call's latency (ms) and the wall time. */
async function runConcurrent<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const t = performance.now();
        await work(item);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}

// ---------------------------------------------------------------------------------------------
// The environment: database, config, relay, workers

function databaseUrl(name: string): string {
  const url = new URL(args['admin-url']);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: args['admin-url'] });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

const url = databaseUrl(DB_NAME);
await withAdmin(async (admin) => {
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
});
await migrate(url);
log(`created and migrated ${DB_NAME}`);

const env: Record<string, string> = {
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(32).toString('hex'),
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
const { db, redis, cache, names } = createServices(config, logger);
const reader = new FeedReader(db, cache, { celebrityThreshold: config.CELEBRITY_THRESHOLD, rebuildLockMs: 5_000 }, logger);

/** Postgres statements sent by a pool's connections (BEGIN and COMMIT included). */
function countStatements(pool: Pool): { count: number } {
  const counter = { count: 0 };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      counter.count++;
      return query(...a);
    };
  });
  return counter;
}
const benchStatements = countStatements(db);
const relayDb = createPool(url, 2);
const relayStatements = countStatements(relayDb);

async function withChannel<T>(work: (ch: amqp.Channel) => Promise<T>): Promise<T> {
  const conn = await amqp.connect(config.AMQP_URL);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    return await work(ch);
  } finally {
    await conn.close().catch(() => {});
  }
}
const queueState = () => withChannel((ch) => ch.checkQueue(names.fanoutQueue));

await withChannel((ch) => declareFanout(ch, names, config.FANOUT_DELIVERY_LIMIT));
const relay = new OutboxRelay(relayDb, names, { databaseUrl: url, pollMs: config.OUTBOX_POLL_MS, batchSize: config.OUTBOX_BATCH, retentionSeconds: 3600 }, logger);
const relayBroker: RecoveringChannelModel = await connectBroker(config.AMQP_URL, logger, (model) => relay.attach(model));
await relay.start();

const workers = new Set<StackProcess>();

/** Starts a fan-out worker process and waits until it consumes. */
async function startWorker(): Promise<StackProcess> {
  const before = (await queueState()).consumerCount;
  const worker = await launch(`worker ${workers.size + 1}`, 'worker', { env });
  workers.add(worker);
  const deadline = Date.now() + 30_000;
  while ((await queueState()).consumerCount <= before) {
    if (!worker.running) throw new Error(`worker exited: ${worker.output()}`);
    if (Date.now() > deadline) throw new Error(`worker did not start consuming: ${worker.output()}`);
    await sleep(100);
  }
  return worker;
}

async function stopWorkers(list: readonly StackProcess[]): Promise<void> {
  await Promise.all(list.map((w) => w.kill().finally(() => workers.delete(w))));
  const left = list
    .map((w) => w.output())
    .join('')
    .trim();
  if (/"level":(50|60)/.test(left)) log(`worker errors:\n${left.slice(0, 2000)}`);
}

/**
 * The fan-out worker in this process with counters, for counting what one event costs: Postgres
 * statements exactly (a wrapped pool), Redis commands through MONITOR (top-level commands on our
 * keys from any connection but `exclude`, and the commands Lua scripts ran on our keys).
 */
async function countedWorker() {
  const services = createServices(config, logger);
  const statements = countStatements(services.db);
  const live = new GatewayPublisher(names);
  const consumer = new FanoutConsumer({ db: services.db, cache: services.cache, live, log: logger, celebrityThreshold: config.CELEBRITY_THRESHOLD, batchSize: config.FANOUT_BATCH }, names, {
    prefetch: config.WORKER_PREFETCH,
    retry: retryPolicy(config),
  });
  const broker = await connectBroker(config.AMQP_URL, logger, async (model) => {
    await live.attach(model);
    await consumer.attach(model);
  });
  const deadline = Date.now() + 10_000;
  while ((await queueState()).consumerCount === 0 && Date.now() < deadline) await sleep(50);
  return {
    statements,
    async close() {
      await consumer.stop();
      await broker.close().catch(() => {});
      await Promise.allSettled([services.db.end(), services.redis.quit()]);
    },
  };
}

interface RedisCount {
  top: number;
  lua: number;
  byCommand: Map<string, number>;
}

/** Counts Redis commands on our keys while `work` runs (MONITOR), leaving out `excludeSource`. */
async function monitorRedis<T>(excludeSource: string, work: () => Promise<T>): Promise<{ result: T; count: RedisCount }> {
  const monitor = await new Redis(config.REDIS_URL).monitor();
  const count: RedisCount = { top: 0, lua: 0, byCommand: new Map() };
  monitor.on('monitor', (_time: string, argv: string[], source: string) => {
    if (source === excludeSource || !argv.some((a) => a.includes(REDIS_PREFIX))) return;
    const name = `${source === 'lua' ? 'lua:' : ''}${argv[0]?.toLowerCase()}`;
    count.byCommand.set(name, (count.byCommand.get(name) ?? 0) + 1);
    if (source === 'lua') count.lua++;
    else count.top++;
  });
  try {
    const result = await work();
    await sleep(300); // MONITOR lines trail the commands
    return { result, count };
  } finally {
    monitor.disconnect();
  }
}

/** Calls and microseconds of EVAL/EVALSHA so far, server-wide. */
async function scriptStats(): Promise<{ calls: number; usec: number }> {
  const info = await redis.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  return { calls, usec };
}

async function sourceOf(client: RedisClient): Promise<string> {
  const info = (await client.client('INFO')) as string;
  return /addr=(\S+)/.exec(info)![1]!;
}
const benchSource = await sourceOf(redis);

// ---------------------------------------------------------------------------------------------
// Data

const HASH = 'bench-placeholder-not-a-password-hash';

async function insertUsers(count: number, name: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (first_name, second_name, password_hash)
     SELECT $1, 'Bench' || g, $2 FROM generate_series(1, $3::int) g RETURNING id::text AS id`,
    [name, HASH, count],
  );
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}

/** follower_count kept consistent with follows, as follows.follow would. */
async function recountFollowers(authorIds: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE users u SET follower_count = c.n
       FROM (SELECT followee_id, count(*)::int AS n FROM follows WHERE followee_id = ANY($1::bigint[]) GROUP BY 1) c
      WHERE u.id = c.followee_id`,
    [authorIds],
  );
}

async function forEachConcurrent<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  await runConcurrent(items, concurrency, work);
}

/** Builds each user's feed from Postgres (the reader's rebuild) and opens their event log. */
async function buildFeedsAndLogs(userIds: readonly string[]): Promise<void> {
  await forEachConcurrent(userIds, 32, (id) => reader.rebuild(id));
  await forEachConcurrent(userIds, 64, (id) => cache.logs.open(id));
}

/** How many of `userIds` have `postId` in their feed, one pipeline per 1000. */
async function feedsHolding(userIds: readonly string[], postId: string): Promise<number> {
  let found = 0;
  for (let i = 0; i < userIds.length; i += 1000) {
    const p = redis.pipeline();
    for (const id of userIds.slice(i, i + 1000)) p.zscore(cache.keys.feed(id), postId);
    for (const [err, score] of (await p.exec()) ?? []) if (!err && score !== null) found++;
  }
  return found;
}

async function feedSizes(userIds: readonly string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < userIds.length; i += 1000) {
    const p = redis.pipeline();
    for (const id of userIds.slice(i, i + 1000)) p.zcard(cache.keys.feed(id));
    for (const [err, size] of (await p.exec()) ?? []) if (!err) total += Number(size);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// 1. One post to 10,000 followers

interface FanoutRun {
  commitMs: number;
  firstMs: number;
  lastMs: number;
}

interface Step1 {
  runs: FanoutRun[];
  median: FanoutRun;
  perFollowerMs: number;
  redis: RedisCount;
  workerStatements: number;
  relayStatements: number;
  postStatements: number;
  setupSeconds: number;
  redisUsPerFollower: number;
  pgWalkMs: number;
  batches: number;
}

async function step1(): Promise<Step1> {
  log(`1. ${n(FOLLOWERS)} followers: inserting`);
  const t = performance.now();
  const [author] = await insertUsers(1, 'Author');
  const followers = await insertUsers(FOLLOWERS, 'Fan');
  await db.query('INSERT INTO follows (follower_id, followee_id) SELECT unnest($1::bigint[]), $2', [followers, author]);
  await recountFollowers([author!]);
  log(`1. building ${n(FOLLOWERS)} feeds and opening their logs`);
  await buildFeedsAndLogs(followers);
  const setupSeconds = (performance.now() - t) / 1000;
  const first = followers[0]!;
  const last = followers.at(-1)!;
  const pick = seededIndex(1);
  const sample = [first, last, ...Array.from({ length: 20 }, () => followers[pick(followers.length)]!)];

  const worker = await startWorker();
  const runs: FanoutRun[] = [];
  const scriptUs: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const scriptsBefore = await scriptStats();
    const t0 = performance.now();
    const postId = await createPost(db, author!, `bench post ${i} to ${FOLLOWERS} followers`);
    const committed = performance.now();
    let firstAt = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const p = redis.pipeline();
      for (const id of sample) p.zscore(cache.keys.feed(id), postId);
      const replies = (await p.exec()) ?? [];
      const now = performance.now();
      if (!firstAt && replies[0]?.[1] !== null) firstAt = now;
      if (replies.every(([, score]) => score !== null)) {
        runs.push({ commitMs: committed - t0, firstMs: firstAt - committed, lastMs: now - committed });
        break;
      }
      if (Date.now() > deadline) throw new Error(`post ${postId} did not reach the sample: ${worker.output().slice(-2000)}`);
      await sleep(2);
    }
    const scriptsAfter = await scriptStats();
    // Redis script time in this window per follower (a fan-out call covers many followers;
    // INFO commandstats is server-wide, so other clients' scripts are counted in; ours are most).
    if (i > 0) scriptUs.push((scriptsAfter.usec - scriptsBefore.usec) / FOLLOWERS);
    const holding = await feedsHolding(followers, postId);
    if (holding !== FOLLOWERS) throw new Error(`post ${postId} reached ${holding} of ${FOLLOWERS} feeds`);
    const r = runs.at(-1)!;
    log(`1. ${i === 0 ? 'warm-up' : `run ${i}`}: first follower ${f(r.firstMs)} ms, all ${n(FOLLOWERS)} ${f(r.lastMs)} ms after commit (verified all)`);
    await sleep(200);
  }
  runs.shift(); // the warm-up: a fresh worker's first message
  await stopWorkers([worker]);

  log('1. counting the commands of one more fan-out (in-process worker, MONITOR)');
  const counted = await countedWorker();
  const relayBefore = relayStatements.count;
  const benchBefore = benchStatements.count;
  const { count } = await monitorRedis(benchSource, async () => {
    const postId = await createPost(db, author!, 'bench post, counted');
    while ((await redis.zscore(cache.keys.feed(last), postId)) === null) await sleep(5);
  });
  await sleep(200);
  const workerStatements = counted.statements.count;
  const relayCount = relayStatements.count - relayBefore;
  const postStatements = benchStatements.count - benchBefore;
  // The worker's Postgres reads: every follower batch, as the fan-out walks them.
  const createdAt = new Date().toISOString();
  const walk = performance.now();
  let batches = 0;
  for (let cursor = '0'; ; batches++) {
    const batch = await follows.followersAfter(db, author!, cursor, config.FANOUT_BATCH, createdAt);
    if (batch.length < config.FANOUT_BATCH) break;
    cursor = batch.at(-1)!;
  }
  const pgWalkMs = performance.now() - walk;
  const result: Step1 = {
    runs,
    median: { commitMs: median(runs.map((r) => r.commitMs)), firstMs: median(runs.map((r) => r.firstMs)), lastMs: median(runs.map((r) => r.lastMs)) },
    perFollowerMs: median(runs.map((r) => (r.lastMs - r.firstMs) / (FOLLOWERS - 1))),
    redis: count,
    workerStatements,
    relayStatements: relayCount,
    postStatements,
    setupSeconds,
    redisUsPerFollower: median(scriptUs),
    pgWalkMs,
    batches: batches + 1,
  };
  await counted.close();
  return result;
}

// ---------------------------------------------------------------------------------------------
// 2. Worker throughput, 100 followers per author

interface ThroughputRun {
  workers: number;
  seconds: number;
  postsPerSecond: number;
  writesPerSecond: number;
}

async function step2(): Promise<{ runs: ThroughputRun[]; setupSeconds: number }> {
  log(`2. ${AUTHORS} authors × ${PER_AUTHOR} followers among ${n(FANS)} users: inserting`);
  const t = performance.now();
  const authors = await insertUsers(AUTHORS, 'Writer');
  const fans = await insertUsers(FANS, 'Reader');
  await db.query(
    `INSERT INTO follows (follower_id, followee_id)
     SELECT fan, a FROM unnest($1::bigint[]) a
       CROSS JOIN LATERAL (SELECT fan FROM unnest($2::bigint[]) fan ORDER BY md5(a::text || '-' || fan::text) LIMIT $3) chosen`,
    [authors, fans, PER_AUTHOR],
  );
  await recountFollowers(authors);
  log(`2. building ${n(FANS)} feeds and opening their logs`);
  await buildFeedsAndLogs(fans);
  const setupSeconds = (performance.now() - t) / 1000;

  const runs: ThroughputRun[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const count of round % 2 === 0 ? [1, 2] : [2, 1]) {
      const started = await Promise.all(Array.from({ length: count }, () => startWorker()));
      const before = await feedSizes(fans);
      const target = before + POSTS * PER_AUTHOR;
      // All posts and their outbox rows in one transaction: they reach the relay at once.
      await inTransaction(db, async (tx) => {
        for (let i = 0; i < POSTS; i++) {
          const authorId = authors[i % authors.length]!;
          await outbox.createAnnouncedPost(tx, authorId, `bench throughput ${round}/${count}/${i}`);
        }
      });
      const t0 = performance.now();
      let size = before;
      let lastLog = t0;
      while (size < target) {
        await sleep(50);
        size = await feedSizes(fans);
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(`2.   ${count} worker(s): ${n(size - before)} of ${n(target - before)} feed writes`);
        }
        if (performance.now() - t0 > 300_000) throw new Error('throughput run did not finish in 5 minutes');
      }
      const seconds = (performance.now() - t0) / 1000;
      if (size !== target) throw new Error(`feeds grew by ${size - before}, expected ${target - before}`);
      runs.push({ workers: count, seconds, postsPerSecond: POSTS / seconds, writesPerSecond: (POSTS * PER_AUTHOR) / seconds });
      log(`2. round ${round + 1}, ${count} worker(s): ${n(POSTS)} posts in ${seconds.toFixed(2)} s = ${n(POSTS / seconds)} posts/s, ${n((POSTS * PER_AUTHOR) / seconds)} feed writes/s`);
      await stopWorkers(started);
      for (let i = 0; i < 100 && (await queueState()).messageCount > 0; i++) await sleep(50);
    }
  }
  return { runs, setupSeconds };
}

// ---------------------------------------------------------------------------------------------
// 3. A celebrity with 1,000,000 followers

interface Step3 {
  firstPostMs: number;
  visibleMs: number[];
  median: number;
  redis: RedisCount;
  workerStatements: number;
  relayStatements: number;
  read: { redis: RedisCount; statements: number; ms: number };
  setupSeconds: number;
}

async function step3(): Promise<Step3> {
  log(`3. celebrity: inserting ${n(CELEBRITY)} users and follows`);
  const t = performance.now();
  const [celebrity] = await insertUsers(1, 'Celebrity');
  const { rows } = await db.query<{ lo: string; hi: string }>(
    `WITH fans AS (INSERT INTO users (password_hash) SELECT $1 FROM generate_series(1, $2::int) RETURNING id)
     SELECT min(id)::text AS lo, max(id)::text AS hi FROM fans`,
    [HASH, CELEBRITY],
  );
  const { lo, hi } = rows[0]!;
  await db.query('INSERT INTO follows (follower_id, followee_id) SELECT g, $1 FROM generate_series($2::bigint, $3::bigint) g', [celebrity, lo, hi]);
  await recountFollowers([celebrity!]);
  await db.query('ANALYZE users, follows');
  const count = Number((await db.query('SELECT follower_count FROM users WHERE id = $1', [celebrity])).rows[0].follower_count);
  if (count !== CELEBRITY) throw new Error(`follower_count ${count}`);
  // Older posts, so the timeline the reader merges in is not empty; no outbox: history.
  await db.query(`INSERT INTO posts (author_id, text) SELECT $1, 'older celebrity post ' || g FROM generate_series(1, 5) g`, [celebrity]);
  const setupSeconds = (performance.now() - t) / 1000;
  log(`3. ${n(CELEBRITY)} followers in ${setupSeconds.toFixed(1)} s`);

  const follower = String(BigInt(lo) + BigInt(Math.floor(CELEBRITY / 2)));
  await reader.read(follower, 0, 10); // builds the feed and loads the celebrity's timeline
  await cache.logs.open(follower);

  const worker = await startWorker();
  const visibleMs: number[] = [];
  let firstPostMs = 0;
  for (let i = 0; i <= REPEATS; i++) {
    const postId = await createPost(db, celebrity!, `celebrity post ${i}`);
    const committed = performance.now();
    const deadline = Date.now() + 60_000;
    while ((await reader.read(follower, 0, 10))[0]?.id !== postId) {
      if (Date.now() > deadline) throw new Error(`celebrity post not visible: ${worker.output().slice(-2000)}`);
      await sleep(1);
    }
    const ms = performance.now() - committed;
    if (i > 0) visibleMs.push(ms);
    else firstPostMs = ms;
    log(`3. ${i === 0 ? 'warm-up' : `run ${i}`}: visible in the follower's feed ${f(ms)} ms after commit`);
    await sleep(200);
  }
  await stopWorkers([worker]);

  log('3. counting the commands of one more celebrity post and of one feed read');
  const counted = await countedWorker();
  const relayBefore = relayStatements.count;
  const timeline = cache.keys.timeline(celebrity!);
  const { count: redisCount } = await monitorRedis(benchSource, async () => {
    const postId = await createPost(db, celebrity!, 'celebrity post, counted');
    while ((await redis.zscore(timeline, postId)) === null) await sleep(5);
  });
  await sleep(200);
  const workerStatements = counted.statements.count;
  const relayCount = relayStatements.count - relayBefore;
  await counted.close();

  const statementsBefore = benchStatements.count;
  let readMs = 0;
  const { count: readRedis } = await monitorRedis('none', async () => {
    const t0 = performance.now();
    await reader.read(follower, 0, 10);
    readMs = performance.now() - t0;
  });
  return {
    firstPostMs,
    visibleMs,
    median: median(visibleMs),
    redis: redisCount,
    workerStatements,
    relayStatements: relayCount,
    read: { redis: readRedis, statements: benchStatements.count - statementsBefore, ms: readMs },
    setupSeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Feed reads: cache against Postgres

interface Step4 {
  inProcess: { cache: Stats; postgres: Stats };
  http: { cache: Stats; postgres: Stats };
  sameResults: number;
  compared: number;
  postsPerFeed: number;
  breakdown: [string, Stats][];
}

async function step4(): Promise<Step4> {
  log(`4. ${n(READERS)} readers following ${FOLLOWS} of ${READ_AUTHORS} authors with ${POSTS_PER_AUTHOR} posts each: inserting`);
  const authors = await insertUsers(READ_AUTHORS, 'Columnist');
  const readers = await insertUsers(READERS, 'Subscriber');
  await db.query(
    `INSERT INTO posts (author_id, text)
     SELECT a, 'Post ' || g || ' by ' || a || ': ' || repeat('lorem ipsum ', 8) FROM unnest($1::bigint[]) a, generate_series(1, $2::int) g
      ORDER BY g, a`,
    [authors, POSTS_PER_AUTHOR],
  );
  await db.query(
    `INSERT INTO follows (follower_id, followee_id)
     SELECT r, a FROM unnest($1::bigint[]) r
       CROSS JOIN LATERAL (SELECT a FROM unnest($2::bigint[]) a ORDER BY md5(r::text || '-' || a::text) LIMIT $3) chosen`,
    [readers, authors, FOLLOWS],
  );
  await recountFollowers(authors);
  await db.query('ANALYZE users, follows, posts');
  log(`4. warming: one read per reader builds ${n(READERS)} feeds`);
  await forEachConcurrent(readers, 16, (id) => reader.read(id, 0, 10));
  const postsPerFeed = (await feedSizes(readers)) / READERS - 1;

  const pick = seededIndex(4);
  const pages = Array.from({ length: READS }, () => ({ user: readers[pick(readers.length)]!, offset: pick(51), limit: 10 }));
  const viaCache = (p: (typeof pages)[number]) => reader.read(p.user, p.offset, p.limit);
  const viaPostgres = (p: (typeof pages)[number]) => feedFromDatabase(db, p.user, { offset: p.offset, limit: p.limit });

  let same = 0;
  const compared = Math.min(200, pages.length);
  for (const p of pages.slice(0, compared)) {
    const [a, b] = await Promise.all([viaCache(p), viaPostgres(p)]);
    if (JSON.stringify(a) === JSON.stringify(b)) same++;
  }
  log(`4. ${same} of ${compared} sampled pages identical on both paths`);

  /** Both paths over the same pages, in alternating chunks, so the noise of the machine falls on both. */
  async function sideBySide(label: string, items: typeof pages, a: (p: (typeof pages)[number]) => Promise<unknown>, b: (p: (typeof pages)[number]) => Promise<unknown>): Promise<{ cache: Stats; postgres: Stats }> {
    await runConcurrent(items.slice(0, 500), CONCURRENCY, a);
    await runConcurrent(items.slice(0, 500), CONCURRENCY, b);
    const chunks = 5;
    const size = Math.ceil(items.length / chunks);
    const acc = { cache: { lat: [] as number[], wall: 0 }, postgres: { lat: [] as number[], wall: 0 } };
    for (let c = 0; c < chunks; c++) {
      const chunk = items.slice(c * size, (c + 1) * size);
      const order = c % 2 === 0 ? (['cache', 'postgres'] as const) : (['postgres', 'cache'] as const);
      for (const path of order) {
        const r = await runConcurrent(chunk, CONCURRENCY, path === 'cache' ? a : b);
        acc[path].lat.push(...r.latencies);
        acc[path].wall += r.wallMs;
      }
    }
    const result = { cache: stats(acc.cache.lat, acc.cache.wall), postgres: stats(acc.postgres.lat, acc.postgres.wall) };
    log(`4. ${label}: cache ${n(result.cache.perSecond)} reads/s (p99 ${f(result.cache.p99)} ms), Postgres ${n(result.postgres.perSecond)} reads/s (p99 ${f(result.postgres.p99)} ms)`);
    return result;
  }

  log(`4. in-process: ${n(READS)} reads per path, concurrency ${CONCURRENCY}`);
  const inProcess = await sideBySide('in-process', pages, viaCache, viaPostgres);

  // Where a cached read's time goes: each of its round trips alone, same pages, same concurrency.
  log('4. the cached read path, one part at a time');
  const parts = pages.slice(0, 2_000);
  const idsOf = new Map(await Promise.all(parts.map(async (p) => [p, (await cache.feeds.page(p.user, p.offset, p.limit))?.ids ?? []] as const)));
  const part = async (work: (p: (typeof pages)[number]) => Promise<unknown>) => {
    const r = await runConcurrent(parts, CONCURRENCY, work);
    return stats(r.latencies, r.wallMs);
  };
  const breakdown: [string, Stats][] = [
    ['Redis: feed page (feedPage script)', await part((p) => cache.feeds.page(p.user, 0, p.offset + p.limit))],
    ['Postgres: celebritiesFollowedBy (the cached path before the fix below)', await part((p) => follows.celebritiesFollowedBy(db, p.user, config.CELEBRITY_THRESHOLD))],
    ['Redis: celebrity-follows set (SMEMBERS)', await part((p) => cache.celebrityFollows.get([p.user]))],
    ['Redis: 10 post bodies (pipelined GETs)', await part((p) => cache.posts.get(idsOf.get(p)!))],
    ['whole FeedReader.read', await part(viaCache)],
    ['whole feedFromDatabase', await part(viaPostgres)],
  ];
  for (const [name, s] of breakdown) log(`4.   ${name}: ${n(s.perSecond)}/s, p50 ${f(s.p50)} ms`);

  log(`4. HTTP: ${n(HTTP_READS)} GET /post/feed per path, concurrency ${CONCURRENCY}`);
  const key = tokenKey(config.JWT_SECRET);
  const tokens = new Map(await Promise.all(readers.map(async (id) => [id, await signToken(id, key, 3600)] as const)));
  const listen = (readFeed?: (u: string, o: number, l: number) => Promise<Post[]>) => {
    const app = createApp({ config, db, redis, log: createLogger('silent'), ...(readFeed ? { readFeed } : {}) });
    return new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  };
  const cacheServer = await listen((u, o, l) => reader.read(u, o, l));
  const pgServer = await listen();
  const get = (server: Server) => async (p: (typeof pages)[number]) => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/post/feed?offset=${p.offset}&limit=${p.limit}`, {
      headers: { authorization: `Bearer ${tokens.get(p.user)}` },
    });
    if (res.status !== 200) throw new Error(`GET /post/feed -> ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  let http: { cache: Stats; postgres: Stats };
  try {
    http = await sideBySide('HTTP', pages.slice(-HTTP_READS), get(cacheServer), get(pgServer));
  } finally {
    for (const s of [cacheServer, pgServer]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }
  return { inProcess, http, sameResults: same, compared, postsPerFeed, breakdown };
}

// ---------------------------------------------------------------------------------------------
// Clean-up and the report

async function cleanUp(): Promise<void> {
  await Promise.allSettled([...workers].map((w) => w.kill('SIGKILL')));
  await relay.stop().catch(() => {});
  await relayBroker.close().catch(() => {});
  await withChannel(async (ch) => {
    for (const q of [names.fanoutQueue, names.deadLetterQueue]) await ch.deleteQueue(q).catch(() => {});
    for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {});
  }).catch((err) => log(`AMQP clean-up failed: ${err.message}`));
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  await Promise.allSettled([db.end(), relayDb.end(), redis.quit()]);
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)).catch((err) => log(`drop failed: ${err.message}`));
  log(`cleaned up: ${n(removed)} Redis keys, queues and exchanges ${AMQP_PREFIX}*, database ${DB_NAME}`);
}

let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  log('interrupted: cleaning up');
  cleanUp().finally(() => process.exit(130));
});

async function machine() {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  const pgVersion = (await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const conn = await amqp.connect(config.AMQP_URL);
  const rabbitVersion = String((conn.connection as unknown as { serverProperties?: { version?: string } }).serverProperties?.version ?? '?');
  await conn.close();
  return {
    cores: os.availableParallelism(),
    memGiB: memKiB / 2 ** 20,
    pgVersion,
    redisVersion,
    rabbitVersion,
    node: process.version,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cpu: os.cpus()[0]?.model ?? '?',
  };
}

function commandList(count: RedisCount, per = 1): string {
  return [...count.byCommand.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, c]) => `${name} ${per === 1 ? n(c) : (c / per).toFixed(2)}`)
    .join(', ');
}

function report(m: Awaited<ReturnType<typeof machine>>, s1?: Step1, s2?: Awaited<ReturnType<typeof step2>>, s3?: Step3, s4?: Step4, load?: string): string {
  const command = `npm run bench:pipeline${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const out: string[] = [];
  out.push(`## Feed pipeline

The path of a post — outbox row, relay, RabbitMQ, fan-out worker, Redis feeds and event logs —
and the feed read path, against the real Postgres, Redis and RabbitMQ.

\`\`\`sh
${command}
\`\`\`

Machine: ${m.cores} cores (\`nproc\`), ${m.memGiB.toFixed(1)} GiB RAM (\`MemTotal\`), ${m.cpu}; PostgreSQL ${m.pgVersion},
Redis ${m.redisVersion}, RabbitMQ ${m.rabbitVersion}, Node ${m.node}; ${m.date}. The machine is shared with other
work and noisy (load average ${load}), so compare figures within one run, side by side; the ratios
travel better than the absolute numbers. Everything — Postgres, Redis, RabbitMQ, the relay and
reader (in the benchmark's process) and the workers (child processes, \`node --import tsx
core/src/worker.ts\`) — shares the same ${m.cores} cores. Database \`${DB_NAME}\` (created, migrated, dropped
at the end), Redis prefix \`${REDIS_PREFIX}\`, AMQP prefix \`${AMQP_PREFIX}\`; defaults: fan-out batch
${config.FANOUT_BATCH}, prefetch ${config.WORKER_PREFETCH}, celebrity threshold ${n(config.CELEBRITY_THRESHOLD)}, pool ${config.DATABASE_POOL_SIZE}.
`);
  if (s1) {
    const feedsPerSecond = FOLLOWERS / (s1.median.lastMs / 1000);
    out.push(`### 1. One post to ${n(FOLLOWERS)} followers

${n(FOLLOWERS)} followers inserted by SQL, each with a built feed and an open event log (a live or
recently connected user: the costly case, every step writes the feed and the log). The post is
created by \`createPost\` (post and outbox row in one transaction); the clock starts when the
commit returns and stops when a sample of 22 followers (the first and the last in fan-out order,
20 at random) has it in its feed; then all ${n(FOLLOWERS)} feeds are checked. One worker; a warm-up post
first; ${REPEATS} runs, median.

| run | createPost (commit) ms | first follower ms | all ${n(FOLLOWERS)} followers ms | feeds/s |
|---|---:|---:|---:|---:|
${s1.runs.map((r, i) => `| ${i + 1} | ${f(r.commitMs)} | ${f(r.firstMs)} | ${f(r.lastMs)} | ${n(FOLLOWERS / (r.lastMs / 1000))} |`).join('\n')}
| **median** | **${f(s1.median.commitMs)}** | **${f(s1.median.firstMs)}** | **${f(s1.median.lastMs)}** | **${n(feedsPerSecond)}** |

"First follower" is the fixed cost (NOTIFY, relay, publish with confirm, delivery, the worker's
reads); the rest is fan-out at **${(s1.perFollowerMs * 1000).toFixed(1)} µs per follower** (median of (all − first) / ${n(FOLLOWERS - 1)}).
Where a follower's ${(s1.perFollowerMs * 1000).toFixed(0)} µs go: about ${s1.redisUsPerFollower.toFixed(1)} µs of Redis time inside the fan-out script
(\`INFO commandstats\` around the timed runs: script time divided by followers, server-wide), and reading the ${n(FOLLOWERS)} followers from Postgres in ${s1.batches} keyset batches
took ${f(s1.pgWalkMs)} ms in all (${((s1.pgWalkMs * 1000) / FOLLOWERS).toFixed(1)} µs per follower); the rest is the worker's own CPU (building
and parsing ${n(FOLLOWERS)} script calls in ioredis) and waiting for cores shared by everything.
What one such post costs (one more post, counted with an in-process worker and \`MONITOR\`):
Postgres statements: post ${s1.postStatements}, relay ${s1.relayStatements}, worker ${s1.workerStatements} (${Math.ceil(FOLLOWERS / config.FANOUT_BATCH)} follower batches of ${config.FANOUT_BATCH});
Redis: ${n(s1.redis.top)} commands sent (${(s1.redis.top / FOLLOWERS).toFixed(2)} per follower) and ${n(s1.redis.lua)} run inside
Lua (${(s1.redis.lua / FOLLOWERS).toFixed(1)} per follower) — per follower: ${commandList(s1.redis, FOLLOWERS)}.
`);
  }
  if (s2) {
    const byWorkers = (k: number) => s2.runs.filter((r) => r.workers === k);
    const med = (k: number, key: 'postsPerSecond' | 'writesPerSecond') => median(byWorkers(k).map((r) => r[key]));
    out.push(`### 2. Worker throughput, ${PER_AUTHOR} followers per post

${AUTHORS} authors with ${PER_AUTHOR} followers each among ${n(FANS)} users (feeds built, logs open). ${n(POSTS)} posts and
their outbox rows committed in one transaction; the clock runs from the commit until every
expected feed write is in Redis (sum of the ${n(FANS)} feeds' sizes, polled every 50 ms), so it includes
the relay publishing ${n(POSTS)} messages. Worker counts alternate, ${ROUNDS} round(s).

| round | workers | seconds | posts/s | feed writes/s |
|---|---:|---:|---:|---:|
${s2.runs.map((r, i) => `| ${Math.floor(i / 2) + 1} | ${r.workers} | ${r.seconds.toFixed(2)} | ${n(r.postsPerSecond)} | ${n(r.writesPerSecond)} |`).join('\n')}
| **median, 1 worker** | 1 | | **${n(med(1, 'postsPerSecond'))}** | **${n(med(1, 'writesPerSecond'))}** |
| **median, 2 workers** | 2 | | **${n(med(2, 'postsPerSecond'))}** | **${n(med(2, 'writesPerSecond'))}** |

2 workers / 1 worker: **×${(med(2, 'postsPerSecond') / med(1, 'postsPerSecond')).toFixed(2)}**.
`);
  }
  if (s3) {
    const extrapolatedS = s1 ? (s1.median.firstMs + s1.perFollowerMs * CELEBRITY) / 1000 : NaN;
    const perFollowerTop = s1 ? s1.redis.top / FOLLOWERS : NaN;
    const perFollowerLua = s1 ? s1.redis.lua / FOLLOWERS : NaN;
    out.push(`### 3. A post by an author with ${n(CELEBRITY)} followers

${n(CELEBRITY)} minimal users following one author, inserted with \`INSERT … SELECT generate_series\`
(${s3.setupSeconds.toFixed(0)} s including \`follower_count\` and \`ANALYZE\`); threshold ${n(config.CELEBRITY_THRESHOLD)}, so the post goes to the
author's timeline only. Clock from the commit of \`createPost\` until \`FeedReader.read\` for one
follower (feed built, log open) returns it first, polling every millisecond; warm-up, then ${REPEATS} runs.

| | celebrity path (measured) | fan-out on write (extrapolated) |
|---|---:|---:|
| commit → visible | **${f(s3.median)} ms** (runs: ${s3.visibleMs.map(f).join(', ')}) | **${s1 ? `${extrapolatedS.toFixed(0)} s` : 'n/a'}** (${n(CELEBRITY)} followers at ${s1 ? (s1.perFollowerMs * 1000).toFixed(1) : '?'} µs + ${s1 ? f(s1.median.firstMs) : '?'} ms) |
| Redis commands sent by the worker | ${n(s3.redis.top)} (${commandList({ ...s3.redis, byCommand: new Map([...s3.redis.byCommand].filter(([k]) => !k.startsWith('lua:'))) })}) | ${s1 ? `≈ ${n(perFollowerTop * CELEBRITY)}` : 'n/a'} |
| Redis commands run inside Lua | ${n(s3.redis.lua)} | ${s1 ? `≈ ${n(perFollowerLua * CELEBRITY)}` : 'n/a'} |
| Postgres statements (worker) | ${s3.workerStatements} | ${s1 ? `≈ ${n(Math.ceil(CELEBRITY / config.FANOUT_BATCH) + (s1.workerStatements - Math.ceil(FOLLOWERS / config.FANOUT_BATCH)))}` : 'n/a'} (follower rows read: ${n(CELEBRITY)}) |
| Postgres statements (relay) | ${s3.relayStatements} | same |
| Redis memory written | one timeline entry | ${n(CELEBRITY)} feed entries + ${n(CELEBRITY)} log entries (if all were online) |

The first post after the author became a celebrity (the warm-up, not in the table) took
**${(s3.firstPostMs / 1000).toFixed(1)} s** to become visible: on a threshold crossing the worker walks all ${n(CELEBRITY)} followers once to add
the author to their celebrity-follows sets (one script call per follower, in batches of ${config.FANOUT_BATCH}), so
that gateways and readers know whom to merge. Later posts are O(1), as in the table.

The right-hand column is an **extrapolation, not a measurement**: step 1's fixed cost plus its
measured per-follower time, and step 1's per-follower command counts, multiplied by ${n(CELEBRITY)}
(linear in followers: the fan-out is keyset-paginated batches of ${config.FANOUT_BATCH}). It assumes every follower
has a built feed and an open log, as in step 1; an offline follower costs one script call that
finds neither and returns. The price of the celebrity path is paid at read time instead: every
feed read looks up which celebrities the reader follows (their celebrity-follows set in Redis) and
merges their timelines; one read of this follower cost ${s3.read.statements} Postgres statement(s) and ${s3.read.redis.top} Redis command(s) (+${s3.read.redis.lua} inside Lua), ${f(s3.read.ms)} ms.
`);
  }
  if (s4) {
    const row = (name: string, s: Stats) => `| ${name} | ${n(s.count)} | ${n(s.perSecond)} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} | ${f(s.max)} |`;
    out.push(`### 4. Feed reads: Redis cache against Postgres

${n(READERS)} readers, each following ${FOLLOWS} of ${READ_AUTHORS} authors with ${POSTS_PER_AUTHOR} posts each (${n(s4.postsPerFeed)} posts per feed, feeds
built by one read each beforehand). The same ${n(READS)} pages — a random reader, offset 0–50, limit 10 —
through \`FeedReader.read\` (Redis feed page, the reader's celebrity-follows set, bodies from the post cache) and
through \`feedFromDatabase\` (one SQL join), concurrency ${CONCURRENCY}, in 5 alternating chunks after 500 warm-up
reads each; ${s4.sameResults} of ${s4.compared} sampled pages were identical on both paths. HTTP: \`GET /post/feed\` on two
instances of the real app (\`createApp\`, one with \`readFeed\` wired to the reader, one without), the
last ${n(HTTP_READS)} of the same pages, keep-alive \`fetch\` from the same process.

| path | reads | reads/s | p50 ms | p95 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
${row('in-process, FeedReader (cache)', s4.inProcess.cache)}
${row('in-process, feedFromDatabase', s4.inProcess.postgres)}
${row('HTTP, cache', s4.http.cache)}
${row('HTTP, Postgres', s4.http.postgres)}

Each part of a cached read alone (the first 2,000 of the same pages, concurrency ${CONCURRENCY}, run one after another):

| part | calls/s | p50 ms | p99 ms |
|---|---:|---:|---:|
${s4.breakdown.map(([name, s]) => `| ${name} | ${n(s.perSecond)} | ${f(s.p50)} | ${f(s.p99)} |`).join('\n')}

Cache / Postgres: in-process **×${(s4.inProcess.cache.perSecond / s4.inProcess.postgres.perSecond).toFixed(2)}** reads/s (p99 Postgres / p99 cache: ×${(s4.inProcess.postgres.p99 / s4.inProcess.cache.p99).toFixed(2)});
over HTTP **×${(s4.http.cache.perSecond / s4.http.postgres.perSecond).toFixed(2)}** reads/s (p99 Postgres / p99 cache: ×${(s4.http.postgres.p99 / s4.http.cache.p99).toFixed(2)}).
`);
  }
  out.push(limits(s1, s2, s4));
  out.push(`### Fixes this benchmark led to

- \`core/src/feed/reader.ts\`: every cached read asked Postgres which celebrities the reader follows
  (a join of follows and users), so the cache path did more work than the plain Postgres path.
  Before, same benchmark, in-process: cache 2,037 against Postgres 2,501 reads/s (×0.81; a second run
  ×0.67); over HTTP ×0.87. The reader now takes them from the user's celebrity-follows set in Redis
  (written with the feed, kept current by the worker) and asks Postgres only when that set is not
  built. After: ${s4 ? `×${(s4.inProcess.cache.perSecond / s4.inProcess.postgres.perSecond).toFixed(2)} in-process, ×${(s4.http.cache.perSecond / s4.http.postgres.perSecond).toFixed(2)} over HTTP (this run)` : 'see step 4'}.
- \`cache/src/script.ts\`: ioredis copies the defined scripts onto a pipeline when the pipeline is
  created, so the first pipelined script call on a fresh connection failed ("Function.prototype.apply
  was called on undefined"): every newly started worker's first fan-out failed and was retried 1 s
  later (the warm-up post of step 1 reached its first follower after 1,267 ms, the next ones after
  36–84 ms). Such a pipeline now sends the script as EVAL, once per connection.
`);
  return out.join('\n');
}

/** What bounds each figure, with this run's numbers. */
function limits(s1?: Step1, s2?: Awaited<ReturnType<typeof step2>>, s4?: Step4): string {
  const lines = ['### What limits each figure', ''];
  if (s1) {
    lines.push(
      `- **One post to ${n(FOLLOWERS)} followers** is handled by one worker, batch after batch: read ${config.FANOUT_BATCH} followers from Postgres, send ${config.FANOUT_BATCH} script calls in one pipeline, wait, repeat. Nothing overlaps within a post, so the time is the sum of Redis executing the script (~${s1.redisUsPerFollower.toFixed(0)} µs per follower on one Redis thread: ~13 commands — feed ZADD and trim, log XADD with its idempotency index and three EXPIREs, a presence lookup), the worker building and parsing ${n(FOLLOWERS)} 16-argument commands in ioredis, and the batch reads; on 2 shared cores these also compete with each other. More workers do not speed up one post. The fixed part (first follower, ~${f(s1.median.firstMs)} ms) is the relay waking on NOTIFY, publishing with a confirm to a quorum queue (which syncs to disk before confirming), delivery, and the worker's first reads.`,
    );
  }
  if (s2) {
    lines.push(
      `- **Throughput at ${PER_AUTHOR} followers** is bound by CPU: each worker handles up to ${config.WORKER_PREFETCH} posts at once, so its Redis pipelines, Postgres reads and its own CPU overlap, and Redis (single-threaded), Postgres, RabbitMQ and the workers share ${os.availableParallelism()} cores. A second worker process adds little when the cores are already busy; on a machine with spare cores, or with Redis elsewhere, workers scale until Redis's one thread saturates (~${s1 ? n(1e6 / Math.max(1, s1.redisUsPerFollower)) : '?'} feed writes/s at the measured script cost).`,
    );
  }
  lines.push(
    `- **The celebrity post** costs the same few milliseconds whatever the follower count: relay, broker, one worker step (find the post, check the count, extend the timeline, look up the audience). What it saves at write time is paid by readers: each read merges the timelines of the celebrities they follow.`,
  );
  if (s4) {
    lines.push(
      `- **Cached reads** are three Redis round trips (feed page script, celebrity-follows set, ${10} pipelined GETs for the bodies) and no Postgres; on this machine the client side (ioredis, ~12 commands per read, in the same process as the load generator) is a large part of the cost, the bodies most (one GET per post: post keys are tagged per post so that they spread over a Redis Cluster, which rules out one MGET). **Postgres reads** are one join of follows and posts plus a top-N sort over the ~${n(s4.postsPerFeed)} posts of the reader's authors, all in shared buffers here: a data set larger than memory, longer follow lists or more concurrent readers widen the gap, while the cache's cost per read stays flat. **Over HTTP** Express, JWT verification and JSON dominate both paths and the ratio narrows.`,
    );
  }
  return lines.join('\n') + '\n';
}

let exitCode = 0;
try {
  const loadBefore = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const m = await machine();
  log(`machine: ${m.cores} cores, ${m.memGiB.toFixed(1)} GiB, PostgreSQL ${m.pgVersion}, Redis ${m.redisVersion}, RabbitMQ ${m.rabbitVersion}, Node ${m.node}`);
  const s1 = STEPS.has(1) ? await step1() : undefined;
  const s2 = STEPS.has(2) ? await step2() : undefined;
  const s3 = STEPS.has(3) ? await step3() : undefined;
  const s4 = STEPS.has(4) ? await step4() : undefined;
  const load = `${loadBefore} at the start, ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end`;
  const section = report(m, s1, s2, s3, s4, load);
  console.log(`\n${section}`);
  if (!args['no-docs'] && STEPS.size === 4) {
    await writeSection('Feed pipeline', section);
    log('wrote the "## Feed pipeline" section of docs/benchmarks.md');
  }
} catch (err) {
  exitCode = 1;
  log(`failed: ${(err as Error).stack ?? err}`);
} finally {
  if (!interrupted) await cleanUp();
}
process.exit(exitCode);
