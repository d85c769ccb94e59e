// The whole stack on this machine (run by `npm start` once packages are installed, services are
// up and the database is migrated): seeds demo data on the first run, starts core, the worker,
// GATEWAYS gateways and HAProxy, and prints where to open everything. Ctrl-C stops it all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { renderConfig, haproxyEnv } from '../haproxy/render.ts';
import { seed, seedDefaults } from '../db/src/seed/seed.ts';
import { localTopology } from './topology.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const RUN = path.join(ROOT, '.run');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
mkdirSync(RUN, { recursive: true });

const env = process.env;
const DATABASE_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/feed';
const APP_PORT = Number(env.APP_PORT ?? 8080);
const STATS_PORT = Number(env.STATS_PORT ?? 8404);
const CORE_PORT = Number(env.CORE_PORT ?? 3000);
const GATEWAY_PORT = Number(env.GATEWAY_PORT ?? 4001);
const GATEWAYS = Math.max(1, Number(env.GATEWAYS ?? 2));
const app = `http://127.0.0.1:${APP_PORT}`;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function waitFor(url: string, what: string, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer at ${url} within ${seconds} s`);
}

if (await answers(`${app}/health`)) {
  console.log(`A stack already answers at ${app}: reusing it. Stop it (Ctrl-C in its terminal) to start afresh.`);
  printUrls(readDemo()?.token);
  process.exit(0);
}

function ensureHaproxy(): string {
  const found = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('» installing HAProxy (apt-get install haproxy)');
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy'], { stdio: 'inherit' });
    const again = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
    if (again) return again;
  }
  console.error('✗ HAProxy is needed: install it with `sudo apt-get install haproxy` (Debian/Ubuntu) or `brew install haproxy`, then run npm start again.');
  process.exit(1);
}
const haproxyBin = ensureHaproxy();

// The SPA, when it exists, is built once and served by core.
if (existsSync(path.join(ROOT, 'web', 'package.json')) && !existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) {
  console.log('» building the SPA');
  const built = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// Demo data on the first run: a few hundred generated people with posts, and one demo account.
interface Demo {
  userId: string;
  password: string;
  token?: string;
}
function readDemo(): Demo | undefined {
  const file = path.join(RUN, 'demo.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Demo) : undefined;
}
{
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  await db.end();
  if (rows[0]!.n === 0) {
    console.log('» first run: seeding demo data (300 people, their follows and posts)');
    await seed(DATABASE_URL, { ...seedDefaults(300), progress: true });
  }
}

const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function start(name: string, command: string, args: string[], extraEnv: Record<string, string>): void {
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, DATABASE_URL, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) console.log(`[${name}] ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping the stack`);
      void stop();
    }
  });
  children.push({ name, child });
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  const force = setTimeout(() => process.exit(0), 15_000);
  await Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)));
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

const logLevel = env.LOG_LEVEL ?? 'warn';
const topology = localTopology(GATEWAYS);
const gateways = topology.filter((s) => s.role === 'gateway').map((s, i) => ({ name: s.name, address: `127.0.0.1:${GATEWAY_PORT + i}` }));
for (const service of topology) {
  if (service.role === 'core') start('core', TSX, ['core/src/main.ts'], { PORT: String(CORE_PORT), MIGRATE_ON_START: 'false', LOG_LEVEL: logLevel });
  if (service.role === 'worker') start('worker', TSX, ['core/src/worker.ts'], { LOG_LEVEL: logLevel });
  if (service.role === 'gateway') {
    const i = gateways.findIndex((g) => g.name === service.name);
    start(service.name, TSX, ['gateway/src/main.ts'], {
      PORT: String(GATEWAY_PORT + i),
      GATEWAY_ID: service.name,
      LOG_LEVEL: logLevel,
      ALLOWED_ORIGINS: `${app},http://localhost:${APP_PORT}`,
      DRAIN_DELAY_MS: '0',
      DRAIN_WINDOW_MS: '1000',
    });
  }
}
const cfg = path.join(RUN, 'haproxy.cfg');
writeFileSync(cfg, renderConfig({ core: [{ name: 'core1', address: `127.0.0.1:${CORE_PORT}` }], gateways }));
start('haproxy', haproxyBin, ['-db', '-f', cfg], haproxyEnv({ bind: `127.0.0.1:${APP_PORT}`, statsBind: `127.0.0.1:${STATS_PORT}`, socket: path.join(RUN, 'haproxy.sock') }));

try {
  await waitFor(`http://127.0.0.1:${CORE_PORT}/health`, 'core');
  for (const [i] of gateways.entries()) await waitFor(`http://127.0.0.1:${GATEWAY_PORT + i}/health`, `gateway ${i + 1}`);
  await waitFor(`${app}/health`, 'HAProxy');
} catch (err) {
  console.error(`✗ ${(err as Error).message}`);
  await stop();
}

/** The demo account: made through the API on the first run, so it owns a real password hash. */
async function demoAccount(): Promise<Demo> {
  let demo = readDemo();
  if (!demo) {
    const password = 'demo-password';
    const reg = await fetch(`${app}/user/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Demo', second_name: 'User', city: 'Moscow', biography: 'Follows the busiest authors', password }),
    });
    demo = { userId: ((await reg.json()) as { user_id: string }).user_id, password };
  }
  const login = await fetch(`${app}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: demo.userId, password: demo.password }),
  });
  demo.token = ((await login.json()) as { token: string }).token;
  if (!readDemo()) {
    // Follow the most followed people, so the demo feed is busy from the start.
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    const { rows } = await db.query<{ id: string }>('SELECT id::text AS id FROM users WHERE id <> $1 ORDER BY follower_count DESC LIMIT 20', [demo.userId]);
    await db.end();
    for (const { id } of rows) await fetch(`${app}/friend/set/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${demo.token}` } });
  }
  writeFileSync(path.join(RUN, 'demo.json'), JSON.stringify({ userId: demo.userId, password: demo.password }));
  return demo;
}

const demo = await demoAccount();
printUrls(demo.token, demo);

function printUrls(token?: string, demo?: Demo): void {
  console.log(`
  The live feed is up.
    App              ${app}/
    HAProxy stats    http://127.0.0.1:${STATS_PORT}/stats      (Prometheus: http://127.0.0.1:${STATS_PORT}/metrics)
    Core metrics     http://127.0.0.1:${CORE_PORT}/metrics
    Gateway metrics  ${Array.from({ length: GATEWAYS }, (_, i) => `http://127.0.0.1:${GATEWAY_PORT + i}/metrics`).join('  ')}
    Redis            ${env.REDIS_CLUSTER_NODES ? `Redis Cluster, seeds ${env.REDIS_CLUSTER_NODES} (REDIS_CLUSTER_NODES)` : (env.REDIS_URL ?? 'redis://127.0.0.1:6379/0')}
${demo ? `    Demo login       id ${demo.userId}, password ${demo.password}\n` : ''}${
    token
      ? `    Live stream      curl -N -H 'Accept: text/event-stream' -H 'Authorization: Bearer ${token}' ${app}/post/feed/posted\n`
      : ''
  }  Ctrl-C stops everything.
`);
}
