// The whole stack on this machine (run by `npm start` once packages are installed, services are
// up and the database is migrated): seeds demo data on the first run, starts CORES core
// instances, the worker and GATEWAYS gateways (on GATEWAY_RUNTIME), then HAProxy once they answer,
// and prints where to open everything. A process that dies is restarted with backoff
// (scripts/supervisor.ts), the way compose's `restart: unless-stopped` does; Ctrl-C stops it all.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { renderConfig, haproxyEnv } from '../haproxy/render.ts';
import { seed, seedDefaults } from '@feed/db/seed';
import { coreCommand } from '@feed/core/launch';
import { gatewayCommand } from '@feed/gateway/launch';
import { startSettings } from './start-settings.ts';
import { Supervisor } from './supervisor.ts';
import { gatewayRuntimes, localTopology } from './topology.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = process.env;
// An empty variable counts as unset (VAR= npm start), as it did before these were validated.
const parsed = startSettings.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
if (!parsed.success) {
  console.error(`✗ invalid settings:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  process.exit(1);
}
const settings = parsed.data;
const RUN = path.resolve(ROOT, settings.STACK_RUN_DIR);
mkdirSync(RUN, { recursive: true });

const DATABASE_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/feed';
const { APP_PORT, APP_TLS_PORT, STATS_PORT, CORE_PORT, CORES, GATEWAY_PORT, GATEWAYS } = settings;
const TLS_CERT = settings.HAPROXY_TLS_CERT ? path.resolve(settings.HAPROXY_TLS_CERT) : undefined;
const runtimes = (() => {
  try {
    return gatewayRuntimes(settings.GATEWAY_RUNTIME, GATEWAYS);
  } catch (err) {
    console.error(`✗ ${(err as Error).message}`);
    process.exit(1);
  }
})();
// The stats page asks for these; a password nobody chose is drawn for each start and printed.
const stats = { user: settings.HAPROXY_STATS_USER, password: settings.HAPROXY_STATS_PASSWORD ?? randomBytes(12).toString('base64url') };
const topology = localTopology({ cores: CORES, gateways: GATEWAYS });
const cores = topology.filter((s) => s.role === 'core').map((s, i) => ({ name: s.name, port: CORE_PORT + i, address: `127.0.0.1:${CORE_PORT + i}` }));
const gateways = topology.filter((s) => s.role === 'gateway').map((s, i) => ({ name: s.name, address: `127.0.0.1:${GATEWAY_PORT + i}`, runtime: runtimes[i]! }));
const app = TLS_CERT ? `https://127.0.0.1:${APP_TLS_PORT}` : `http://127.0.0.1:${APP_PORT}`;
// The first core answers npm start's own calls (is a stack up already, the demo account).
const core = `http://${cores[0]!.address}`;

async function answers(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    return (await fetch(url, { headers, signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function waitFor(url: string, what: string, seconds = 60, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (stopping) return;
    if (await answers(url, headers)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer at ${url} within ${seconds} s`);
}

if (await answers(`${core}/health`)) {
  console.log(`A stack already answers at ${core}: reusing it. Stop it (Ctrl-C in its terminal) to start afresh.`);
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

// The SPA, when it exists, is built once and served by core (unless STATIC_DIR names another build).
if (!env.STATIC_DIR && existsSync(path.join(ROOT, 'web', 'package.json')) && !existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) {
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

const supervisor = new Supervisor();
let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  await supervisor.stop();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop());

function start(name: string, command: string, args: string[], extraEnv: Record<string, string>): void {
  supervisor.add({ name, command, args, cwd: ROOT, env: { ...env, DATABASE_URL, ...extraEnv } });
}

const logLevel = settings.LOG_LEVEL;
for (const service of topology) {
  if (service.role === 'core' || service.role === 'worker') {
    const { command, args } = coreCommand(service.role);
    const port = cores.find((c) => c.name === service.name)?.port;
    start(service.name, command, args, port ? { PORT: String(port), MIGRATE_ON_START: 'false', LOG_LEVEL: logLevel } : { LOG_LEVEL: logLevel });
  }
  if (service.role === 'gateway') {
    const i = gateways.findIndex((g) => g.name === service.name);
    const { command, args } = gatewayCommand(gateways[i]!.runtime);
    start(service.name, command, args, {
      PORT: String(GATEWAY_PORT + i),
      GATEWAY_ID: service.name,
      LOG_LEVEL: logLevel,
      ALLOWED_ORIGINS: [`http://127.0.0.1:${APP_PORT}`, `http://localhost:${APP_PORT}`, ...(TLS_CERT ? [`https://127.0.0.1:${APP_TLS_PORT}`, `https://localhost:${APP_TLS_PORT}`] : [])].join(','),
      DRAIN_DELAY_MS: '0',
      DRAIN_WINDOW_MS: '1000',
    });
  }
}

try {
  // HAProxy last, once its servers answer: started earlier, its first health checks find no
  // server and it prints "backend 'core' has no server available" at every start.
  for (const c of cores) await waitFor(`http://${c.address}/health`, c.name);
  for (const [i, gw] of gateways.entries()) await waitFor(`http://127.0.0.1:${GATEWAY_PORT + i}/health`, `gateway ${gw.name}`);
  const cfg = path.join(RUN, 'haproxy.cfg');
  writeFileSync(cfg, renderConfig({ core: cores, gateways }));
  start(
    'haproxy',
    haproxyBin,
    ['-db', '-f', cfg],
    haproxyEnv({
      bind: `127.0.0.1:${APP_PORT}`,
      statsBind: `127.0.0.1:${STATS_PORT}`,
      socket: path.join(RUN, 'haproxy.sock'),
      stats,
      ...(TLS_CERT ? { tls: { cert: TLS_CERT, bind: `127.0.0.1:${APP_TLS_PORT}` } } : {}),
    }),
  );
  await waitFor(`http://127.0.0.1:${STATS_PORT}/stats`, 'HAProxy', 60, { authorization: `Basic ${Buffer.from(`${stats.user}:${stats.password}`).toString('base64')}` });
} catch (err) {
  console.error(`✗ ${(err as Error).message}`);
  await stop(1);
}

/** The demo account: made through the API on the first run, so it owns a real password hash. */
async function demoAccount(): Promise<Demo> {
  let demo = readDemo();
  if (!demo) {
    const password = 'demo-password';
    const reg = await fetch(`${core}/user/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Demo', second_name: 'User', city: 'Moscow', biography: 'Follows the busiest authors', password }),
    });
    demo = { userId: ((await reg.json()) as { user_id: string }).user_id, password };
  }
  const login = await fetch(`${core}/login`, {
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
    for (const { id } of rows) await fetch(`${core}/friend/set/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${demo.token}` } });
  }
  writeFileSync(path.join(RUN, 'demo.json'), JSON.stringify({ userId: demo.userId, password: demo.password }));
  return demo;
}

try {
  const demo = await demoAccount();
  writeFileSync(path.join(RUN, 'stats.json'), JSON.stringify(stats), { mode: 0o600 });
  printUrls(demo.token, demo, stats);
} catch (err) {
  // Ctrl-C during start-up: stop() is already ending everything.
  if (!stopping) console.error(`✗ the demo account could not be set up: ${(err as Error).message}`);
}

function readStats(): typeof stats | undefined {
  const file = path.join(RUN, 'stats.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as typeof stats) : undefined;
}

function printUrls(token?: string, demo?: Demo, credentials = readStats()): void {
  const statsUrl = `http://127.0.0.1:${STATS_PORT}`;
  console.log(`
  The live feed is up.
    App              ${app}/${TLS_CERT ? `   (http://127.0.0.1:${APP_PORT}/ redirects there)` : ''}
    HAProxy stats    ${statsUrl}/stats      (Prometheus: ${statsUrl}/metrics)
                     user ${credentials?.user ?? '?'}, password ${credentials?.password ?? '? (printed when that stack started)'}
    Core metrics     ${cores.map((c) => `${c.name} http://${c.address}/metrics`).join('  ')}      (cluster view: ${app}/cluster, signed in)
    Gateways         ${gateways.map((g, i) => `${g.name} on ${g.runtime} http://127.0.0.1:${GATEWAY_PORT + i}/metrics`).join('  ')}
    Redis            ${env.REDIS_CLUSTER_NODES ? `Redis Cluster, seeds ${env.REDIS_CLUSTER_NODES} (REDIS_CLUSTER_NODES)` : (env.REDIS_URL ?? 'redis://127.0.0.1:6379/0')}
${demo ? `    Demo login       id ${demo.userId}, password ${demo.password}\n` : ''}${
    token ? `    Live stream      curl -N${TLS_CERT ? ' -k' : ''} -H 'Accept: text/event-stream' -H 'Authorization: Bearer ${token}' ${app}/post/feed/posted\n` : ''
  }  Ctrl-C stops everything.
`);
}
