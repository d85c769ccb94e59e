// `npm run bench:search [-- --users N --requests R --concurrency C --baseline B]`
//
// /user/search latency on generated users. Uses a database of its own, feed_bench_search
// (created, migrated and seeded here; reused when it already holds exactly --users generated
// users), starts the real REST app in-process on a free port, and fires prefix searches built
// from real names in the database (1-4 leading letters of the first and the last name, Russian
// and English) at a fixed concurrency. As a baseline, the same queries run at the SQL level
// with and without index scans. Prints the figures and writes the `## User search` section of
// docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createPool, migrate, users, type Queryable } from '@feed/db';
import { createApp, createLogger, loadConfig } from '@feed/core';
import { createRandom, seed, seedDefaults } from '@feed/db/seed';
import { stats, type Stats } from './stats.ts';

const DB_NAME = 'feed_bench_search';
const DOCS = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '8' },
    baseline: { type: 'string', default: '100' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const USERS = Number(args.users);
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const BASELINE = Math.min(Number(args.baseline), REQUESTS);
const WARMUP = Math.min(500, REQUESTS);
const SEARCH_LIMIT = 100; // the API default (SEARCH_LIMIT)

const log = (msg: string) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------
// The database

function databaseUrl(name: string): string {
  const url = new URL(args['admin-url']);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates, migrates and seeds feed_bench_search unless it already holds exactly USERS generated users. */
async function prepareDatabase(): Promise<{ url: string; seeded: string }> {
  const url = databaseUrl(DB_NAME);
  const admin = new pg.Client({ connectionString: args['admin-url'] });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rowCount === 1;
    let count = -1;
    if (exists) {
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const { rows } = await db.query<{ n: number }>(`SELECT CASE WHEN to_regclass('users') IS NULL THEN -1 ELSE (SELECT count(*)::int FROM users) END AS n`);
        count = rows[0]!.n;
      } finally {
        await db.end();
      }
    }
    if (exists && count === USERS) {
      log(`reusing ${DB_NAME}: ${USERS.toLocaleString('en')} users`);
      await migrate(url); // a newer index migration, if any
      return { url, seeded: 'reused' };
    }
    if (exists) {
      log(`${DB_NAME} holds ${count} users, not ${USERS}: recreating it`);
      await admin.query(`DROP DATABASE ${DB_NAME} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
    await migrate(url);
    log(`seeding ${USERS.toLocaleString('en')} users into ${DB_NAME}`);
    const summary = await seed(url, { ...seedDefaults(USERS), progress: process.stderr.isTTY === true });
    log(`seeded in ${summary.seconds.toFixed(1)}s: ${summary.users} users, ${summary.follows} follows, ${summary.posts} posts`);
    return { url, seeded: `${summary.seconds.toFixed(0)} s (${summary.follows.toLocaleString('en')} follows, ${summary.posts.toLocaleString('en')} posts)` };
  } finally {
    await admin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The query mix

interface Query {
  first: string;
  last: string;
}

/** Prefixes of real names: half from Russian profiles, half from English ones, 1-4 letters each. */
async function queryMix(db: Queryable, count: number): Promise<Query[]> {
  const random = createRandom(2024);
  const sample = async (pattern: string, n: number) =>
    (
      await db.query<{ first_name: string; second_name: string }>(
        `SELECT first_name, second_name FROM users TABLESAMPLE BERNOULLI (5) REPEATABLE (7)
          WHERE first_name ~ $1 AND second_name IS NOT NULL LIMIT $2`,
        [pattern, n],
      )
    ).rows;
  const names = [...(await sample('^[А-ЯЁ]', 1000)), ...(await sample('^[A-Z]', 1000))];
  const prefix = (name: string) =>
    Array.from(name)
      .slice(0, 1 + random.int(4))
      .join('');
  return Array.from({ length: count }, () => {
    const n = names[random.int(names.length)]!;
    return { first: prefix(n.first_name), last: prefix(n.second_name) };
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Runs `work` for every query with `concurrency` workers; returns per-call latencies (ms). */
async function run<T>(queries: T[], concurrency: number, work: (q: T) => Promise<unknown>): Promise<Stats> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries.length) {
        const q = queries[next++]!;
        const t = performance.now();
        await work(q);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return stats(latencies, performance.now() - started);
}

/** The SQL searchUsers sends, captured by handing it a recorder instead of a connection. */
async function searchSql(q: Query): Promise<{ text: string; values: unknown[] }> {
  let captured: { text: string; values: unknown[] } | undefined;
  const recorder = {
    query: async (text: string, values: unknown[]) => {
      captured = { text, values };
      return { rows: [], rowCount: 0 };
    },
  } as unknown as Queryable;
  await users.searchUsers(recorder, q.first, q.last, SEARCH_LIMIT);
  return captured!;
}

// ---------------------------------------------------------------------------------------------
// Report

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

function row(name: string, s: Stats): string {
  return `| ${name} | ${s.count} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.perSecond.toFixed(0)} |`;
}

async function writeDocs(section: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(DOCS, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const heading = /^## User search[^\n]*\n/m;
  const match = heading.exec(text);
  if (match) {
    const rest = text.slice(match.index + match[0].length);
    const next = /^## /m.exec(rest);
    const after = next ? rest.slice(next.index) : '';
    text = text.slice(0, match.index) + section + (after ? '\n' + after : '');
  } else {
    text = text.replace(/\n*$/, '\n\n') + section;
  }
  await writeFile(DOCS, text.replace(/\n{3,}/g, '\n\n'));
}

// ---------------------------------------------------------------------------------------------

const { url, seeded } = await prepareDatabase();
const config = loadConfig({
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(32).toString('hex'),
  DATABASE_URL: url,
  REDIS_URL: args['redis-url'],
  REDIS_PREFIX: `bench:search:${randomBytes(3).toString('hex')}:`,
  LOG_LEVEL: 'silent',
  SEARCH_LIMIT: String(SEARCH_LIMIT),
});
const db = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
const redis = new Redis(config.REDIS_URL);
const app = createApp({ config, db, redis, log: createLogger(config.LOG_LEVEL) });
const server: Server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

try {
  const queries = await queryMix(db, REQUESTS);
  const facts = (
    await db.query<{ version: string; users: number; ru: number }>(
      `SELECT current_setting('server_version') AS version, (SELECT count(*)::int FROM users) AS users,
              (SELECT count(*)::int FROM users WHERE first_name ~ '^[А-ЯЁ]') AS ru`,
    )
  ).rows[0]!;

  let found = 0;
  let empty = 0;
  const search = async (q: Query) => {
    const qs = new URLSearchParams({ first_name: q.first, last_name: q.last });
    const res = await fetch(`${base}/user/search?${qs}`);
    if (res.status !== 200) throw new Error(`GET /user/search?${qs} -> ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as unknown[];
    found += body.length;
    if (body.length === 0) empty++;
  };

  log(`warm-up: ${WARMUP} requests`);
  await run(queries.slice(0, WARMUP), CONCURRENCY, search);
  found = 0;
  empty = 0;
  log(`HTTP: ${REQUESTS} requests, concurrency ${CONCURRENCY}`);
  const http = await run(queries, CONCURRENCY, search);
  const meanFound = found / REQUESTS;
  const emptyShare = empty / REQUESTS;

  // SQL level, one connection, one query at a time: the same statements searchUsers sends.
  const client = await db.connect();
  let indexed: Stats;
  let indexedSame: Stats;
  let scan: Stats;
  let plan: string;
  let scanPlan: string;
  try {
    const statements = await Promise.all(queries.map(searchSql));
    log(`SQL with the index: ${statements.length} queries`);
    indexed = await run(statements, 1, (s) => client.query(s.text, s.values));
    const subset = statements.slice(0, BASELINE);
    indexedSame = await run(subset, 1, (s) => client.query(s.text, s.values));
    log(`SQL without index scans: ${subset.length} queries`);
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_indexscan = off');
    await client.query('SET LOCAL enable_bitmapscan = off');
    await client.query('SET LOCAL enable_indexonlyscan = off');
    scan = await run(subset, 1, (s) => client.query(s.text, s.values));
    const typical = await searchSql({ first: 'Ал', last: 'Ко' });
    scanPlan = (await client.query(`EXPLAIN ${typical.text}`, typical.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
    await client.query('ROLLBACK');
    plan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${typical.text}`, typical.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    client.release();
  }
  const usesIndex = plan.includes('users_name_prefix');
  const ratio = scan.mean / indexedSame.mean;

  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  const date = new Date().toISOString().slice(0, 10);
  const command = `npm run bench:search -- --users ${USERS} --requests ${REQUESTS} --concurrency ${CONCURRENCY} --baseline ${BASELINE}`;
  const section = `## User search

\`GET /user/search?first_name=…&last_name=…\`: case-insensitive prefix match on both names,
ordered by id, at most ${SEARCH_LIMIT} rows.

\`\`\`sh
${command}
\`\`\`

Machine: ${os.availableParallelism()} cores (\`nproc\`), ${memGiB} GiB RAM, PostgreSQL ${facts.version}
(default settings), Node ${process.version}, ${date}. Database \`${DB_NAME}\` with
${facts.users.toLocaleString('en')} generated users (${facts.ru.toLocaleString('en')} with Russian names; seeding: ${seeded}).

Queries: ${REQUESTS.toLocaleString('en')} searches with prefixes of real names from the database, 1–4 leading
letters of the first and of the last name (half Russian, half English profiles); a search returned
${meanFound.toFixed(1)} users on average, ${(emptyShare * 100).toFixed(0)}% returned none. HTTP: the real
app in-process (\`createApp\`, pool of ${config.DATABASE_POOL_SIZE}) on a free port, ${CONCURRENCY} concurrent
keep-alive clients in the same process, after ${WARMUP} warm-up requests. SQL: the statement
\`searchUsers\` sends, on one connection, one at a time; the baseline turns off index and bitmap scans
in a transaction (\`SET LOCAL enable_indexscan = off\` …), leaving Postgres a (parallel) sequential scan.

| run | queries | p50 ms | p95 ms | p99 ms | max ms | queries/s |
|---|---:|---:|---:|---:|---:|---:|
${row(`HTTP /user/search, concurrency ${CONCURRENCY}`, http)}
${row('SQL, users_name_prefix usable', indexed)}
${row(`SQL, users_name_prefix usable (first ${BASELINE})`, indexedSame)}
${row(`SQL, index scans off (same ${BASELINE})`, scan)}

Without the index the same ${BASELINE} queries take **${ratio.toFixed(0)}×** longer on average
(mean ${ms(scan.mean)} ms against ${ms(indexedSame.mean)} ms). The baseline runs the statement exactly as \`searchUsers\` sends it;
with index scans off both of its steps scan the table. The one-step query of the first run (below)
took 190 ms on average without the index, 92× its indexed time.

### Why migration 1763856000001 (index-only search)

The first run at 1,000,000 users, with the original \`users_name_prefix\` (names and id as keys)
and a one-step query (\`WHERE lower(first_name) LIKE … AND lower(second_name) LIKE … ORDER BY id
LIMIT 100\`), measured HTTP p50 25.2 ms, p95 69.2 ms, p99 111 ms, max 430 ms at 261 requests/s, SQL p99
29.1 ms, max 143 ms. Two causes: a bitmap scan read a heap row for every match before the top-100
sort (one-letter prefixes of both names match ~10,000 users: ~45 ms), and when the planner
underestimated how rarely both prefixes match together (it multiplies their selectivities, so a
Latin first name with a Cyrillic surname, which matches nobody, is expected to match ~3,000) it
walked the primary key in id order and filtered all 1,000,000 rows: 2–3.5 s. Now \`searchUsers\`
takes the first 100 ids from an index-only scan of \`users_name_prefix\`, which INCLUDEs
\`first_name\` and \`second_name\` (without them the planner will not consider an index-only scan
on the expression index), and reads just those rows by primary key: the same two cases take 11 ms
and 4 ms. Index-only scans rely on the visibility map, which (auto)vacuum keeps current.

Plan of a typical query (\`first_name=Ал&last_name=Ко\`)${usesIndex ? ', served by `users_name_prefix`' : ' — **the index is not used**'}:

\`\`\`
${plan}
\`\`\`

Without index scans:

\`\`\`
${scanPlan}
\`\`\`
`;

  console.log(`\n${section}`);
  if (!args['no-docs']) {
    await writeDocs(section);
    log(`wrote the "## User search" section of ${DOCS}`);
  }
} finally {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await db.end();
  await redis.quit();
}
