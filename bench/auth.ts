// `npm run bench:auth`: does a registration flood delay logins, and what does it cost core in
// memory? Two runs against a fresh core process each (the production hashing cost): logins
// alone, then the same logins while one client sends a flood of registrations at once. Prints
// login latency and core's peak RSS (VmHWM) for both, and the flood's answers, and writes the
// "Password hashing under a registration flood" section of docs/benchmarks.md.
//
//   npm run bench:auth -- [--registrations 200] [--logins 60] [--login-concurrency 2] [--no-write]
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import amqp from 'amqplib';
import { connectRedis, unlinkMatching } from '@feed/cache';
import { topology } from '@feed/contracts';
import { loadConfig } from '@feed/core';
import { launch } from '../test/support/launcher.ts';
import { writeSection } from './report.ts';
import { stats, type Stats } from './stats.ts';

const TITLE = 'Password hashing under a registration flood';
const DB_NAME = 'feed_bench_auth';
const PASSWORD = 'bench password for logins';

const { values: args } = parseArgs({
  options: {
    registrations: { type: 'string', default: '200' },
    logins: { type: 'string', default: '60' },
    'login-concurrency': { type: 'string', default: '2' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
    'amqp-url': { type: 'string', default: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    'no-write': { type: 'boolean', default: false },
  },
});
const REGISTRATIONS = Number(args.registrations);
const LOGINS = Number(args.logins);
const LOGIN_CONCURRENCY = Number(args['login-concurrency']);

const databaseUrl = (() => {
  const url = new URL(args['admin-url']);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
})();

interface Core {
  url: string;
  /** Resident set size now and at its peak since start, in MiB (from /proc). */
  memory(): Promise<{ rss: number; peak: number }>;
  stop(): Promise<void>;
}

async function startCore(tag: string): Promise<Core> {
  const core = await launch(
    'core',
    'core',
    {
      env: {
        NODE_ENV: 'development',
        DATABASE_URL: databaseUrl,
        REDIS_URL: args['redis-url'],
        REDIS_PREFIX: `bench-auth:${tag}:`,
        AMQP_URL: args['amqp-url'],
        AMQP_PREFIX: `bench.auth.${tag}.`,
        LOG_LEVEL: 'warn',
        STATIC_DIR: '/nonexistent-spa-build',
      },
    },
    (line) => console.error(line),
  );
  await core.waitHealthy();
  return {
    url: core.url,
    async memory() {
      const status = await readFile(`/proc/${core.pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
    },
    stop: async () => void (await core.kill('SIGTERM')),
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; retryAfter: string | null; ms: number; body: unknown }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started, body: text ? JSON.parse(text) : null };
}

interface Login {
  /** When it was sent, ms since the run started. */
  at: number;
  ms: number;
  status: number;
}

/** LOGINS logins of one account, LOGIN_CONCURRENCY at a time. */
async function logins(core: Core, userId: string, t0: number): Promise<Login[]> {
  const done: Login[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: LOGIN_CONCURRENCY }, async () => {
      while (next++ < LOGINS) {
        const at = performance.now() - t0;
        const reply = await post(`${core.url}/login`, { id: userId, password: PASSWORD });
        done.push({ at, ms: reply.ms, status: reply.status });
      }
    }),
  );
  return done;
}

interface Flood {
  statuses: Record<string, number>;
  /** When the last registration was answered, ms since the run started. */
  lastAnswerMs: number;
  retryAfter: string[];
}

interface Run {
  name: string;
  logins: Login[];
  /** Logins sent while the flood was still being answered (all of them without a flood). */
  during: Stats;
  all: Stats;
  startRss: number;
  peakRss: number;
  flood?: Flood;
}

async function run(name: string, flood: boolean): Promise<Run> {
  const tag = randomBytes(3).toString('hex');
  const core = await startCore(tag);
  try {
    const account = await post(`${core.url}/user/register`, { password: PASSWORD });
    if (account.status !== 200) throw new Error(`could not register the login account: ${account.status}`);
    const userId = (account.body as { user_id: string }).user_id;
    // One login first, so neither run measures the first request's warm-up.
    if ((await post(`${core.url}/login`, { id: userId, password: PASSWORD })).status !== 200) throw new Error('the warm-up login failed');
    const startRss = (await core.memory()).rss;
    const t0 = performance.now();
    let floodResult: Flood | undefined;
    const floodDone = flood
      ? Promise.all(Array.from({ length: REGISTRATIONS }, (_, i) => post(`${core.url}/user/register`, { password: `flood password ${i}` }))).then((replies) => {
          const statuses: Record<string, number> = {};
          for (const r of replies) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          floodResult = {
            statuses,
            lastAnswerMs: performance.now() - t0,
            retryAfter: [...new Set(replies.map((r) => r.retryAfter).filter((v): v is string => v !== null))],
          };
        })
      : Promise.resolve();
    const done = await logins(core, userId, t0);
    await floodDone;
    const wall = performance.now() - t0;
    const during = floodResult ? done.filter((l) => l.at < floodResult!.lastAnswerMs) : done;
    const failed = done.filter((l) => l.status !== 200);
    if (failed.length > 0) throw new Error(`${failed.length} logins failed (${failed[0]!.status})`);
    return {
      name,
      logins: done,
      during: stats(
        during.map((l) => l.ms),
        wall,
      ),
      all: stats(
        done.map((l) => l.ms),
        wall,
      ),
      startRss,
      peakRss: (await core.memory()).peak,
      ...(floodResult ? { flood: floodResult } : {}),
    };
  } finally {
    await core.stop();
    await cleanUp(tag);
  }
}

async function cleanUp(tag: string): Promise<void> {
  const redis = connectRedis(args['redis-url'], () => {});
  await unlinkMatching(redis, `bench-auth:${tag}:*`).catch(() => {});
  await redis.quit().catch(() => {});
  const names = topology(`bench.auth.${tag}.`);
  const conn = await amqp.connect(args['amqp-url']);
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  for (const x of [names.domainExchange, names.gatewayExchange]) await ch.deleteExchange(x).catch(() => {});
  await conn.close().catch(() => {});
}

async function withDatabase<T>(work: () => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: args['admin-url'] });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  try {
    return await work(); // core migrates it on start
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.end();
  }
}

const ms = (x: number) => `${Math.round(x)} ms`;
const mib = (x: number) => `${Math.round(x)} MiB`;

const loadBefore = os.loadavg()[0]!;
const [alone, flooded] = await withDatabase(async () => [await run('logins alone', false), await run(`logins during ${REGISTRATIONS} registrations`, true)] as const);

const load = `${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`;
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; 1-minute load average ${load}`;
const floodAnswers = flooded.flood!;
const rows = [alone, flooded].map((r) => `| ${r.name} | ${r.during.count} | ${ms(r.during.p50)} | ${ms(r.during.p99)} | ${ms(r.all.p99)} | ${mib(r.startRss)} | ${mib(r.peakRss)} |`);
const answers = Object.entries(floodAnswers.statuses)
  .map(([status, n]) => `${n} × ${status}`)
  .join(', ');

const defaults = loadConfig({});
const lanes = `logins ${defaults.LOGIN_HASH_CONCURRENCY} at once and ${defaults.LOGIN_HASH_QUEUE} waiting, registrations ${defaults.REGISTRATION_HASH_CONCURRENCY} at once and ${defaults.REGISTRATION_HASH_QUEUE} waiting`;
const cost = `Argon2id, ${Math.round(defaults.PASSWORD_MEMORY_KIB / 1024)} MiB and ${defaults.PASSWORD_PASSES} passes a hash`;
const section = `## ${TITLE}

\`npm run bench:auth -- --registrations ${REGISTRATIONS} --logins ${LOGINS} --login-concurrency ${LOGIN_CONCURRENCY}\` (\`bench/auth.ts\`):
a fresh core process per run, straight to its port, at the production hashing cost (${cost})
and the default hashing lanes (${lanes}, \`core/src/auth/hashing.ts\`). ${LOGINS} logins of one account,
${LOGIN_CONCURRENCY} at a time; in the second run one client sends ${REGISTRATIONS} registrations at once just
before the first login. "During" counts the logins sent before the flood's last answer. Peak
RSS is core's VmHWM. Machine: ${machine}.

| run | logins during | p50 | p99 | p99 of all | RSS at start | peak RSS |
|---|---|---|---|---|---|---|
${rows.join('\n')}

The flood was answered ${answers}, the last after ${ms(floodAnswers.lastAnswerMs)}${floodAnswers.retryAfter.length ? `; the 503s carried \`Retry-After\` ${floodAnswers.retryAfter.join(', ')} s` : ''}.
A login never waits in the registrations' queue (each lane has its own threads); what the flood
still costs a login is CPU, as the registration being hashed shares the machine's cores with it.
Registrations beyond the lane's ${defaults.REGISTRATION_HASH_CONCURRENCY} + ${defaults.REGISTRATION_HASH_QUEUE} are refused at once, and memory stays bounded by the
lanes' concurrency (${defaults.LOGIN_HASH_CONCURRENCY + defaults.REGISTRATION_HASH_CONCURRENCY} hashes at most), whatever the flood's size.
`;

console.log(section);
if (!args['no-write']) await writeSection(TITLE, section);
