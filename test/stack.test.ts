// `npm start` itself (scripts/start.mjs), on ports, a database, a Redis prefix and RabbitMQ names
// of its own: it starts with no HAProxy alert, restarts a gateway killed with SIGKILL while the
// rest keep running, and Ctrl-C (SIGINT) leaves no process behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { topology } from '@feed/contracts';
import { freePort, waitFor } from './support/ports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tag = randomBytes(4).toString('hex');
const database = new URL(inject('databaseUrl'));
database.pathname = `/feed_stack_${tag}`;
const redisPrefix = `${inject('redisPrefix')}stack${tag}:`;
const amqpPrefix = `test.stack.${tag}.`;
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

let runDir: string;
let start: ChildProcess;
let output = '';
let ports: { app: number; tls: number; stats: number; core: number; gateway: number };

/** Whether nothing listens on `port` right now. */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Two free ports in a row (npm start gives gateway i the port GATEWAY_PORT + i). */
async function freePair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (await portFree(port + 1)) return port;
  }
}

/** Every process below `pid`, from ps. */
function descendants(pid: number): number[] {
  const table = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table)
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The supervised process whose environment names it (GATEWAY_ID=gw1), or whose command is `match`. */
function processOf(match: { gateway?: string; command?: string }): number | undefined {
  for (const pid of descendants(start.pid!)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (match.command && cmdline.includes(match.command)) return pid;
      if (match.gateway && cmdline.includes('gateway/src/main.ts') && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`GATEWAY_ID=${match.gateway}`)) return pid;
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  runDir = mkdtempSync(path.join(tmpdir(), 'feed-stack-'));
  const gateway = await freePair();
  ports = { app: await freePort(), tls: await freePort(), stats: await freePort(), core: await freePort(), gateway };
  start = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.toString(),
      REDIS_PREFIX: redisPrefix,
      AMQP_URL,
      AMQP_PREFIX: amqpPrefix,
      APP_PORT: String(ports.app),
      APP_TLS_PORT: String(ports.tls),
      STATS_PORT: String(ports.stats),
      CORE_PORT: String(ports.core),
      GATEWAY_PORT: String(ports.gateway),
      GATEWAYS: '2',
      GATEWAY_RUNTIME: 'mixed',
      STACK_RUN_DIR: runDir,
      STATIC_DIR: '/nonexistent-spa-build',
      HAPROXY_TLS_CERT: '',
      HAPROXY_STATS_PASSWORD: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  start.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  await waitFor('npm start to be up', async () => output.includes('The live feed is up.') || start.exitCode !== null, 150_000, 200);
  if (start.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null && start.signalCode === null) {
    const leftovers = descendants(start.pid!);
    const exited = new Promise((r) => start.once('exit', r));
    start.kill('SIGKILL');
    await exited;
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (runDir) rmSync(runDir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database.pathname.slice(1)} WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(inject('redisUrl'));
  for await (const keys of redis.scanStream({ match: `${redisPrefix}*`, count: 1000 }) as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  await redis.quit();
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  const names = topology(amqpPrefix);
  for (const q of [names.fanoutQueue, names.deadLetterQueue, names.gatewayQueue('gw1'), names.gatewayQueue('gw2')]) await ch.deleteQueue(q).catch(() => {});
  for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {});
  await conn.close().catch(() => {});
}, 60_000);

describe('npm start', () => {
  it('starts HAProxy once its servers answer: no alert, and every gateway on its runtime', async () => {
    expect(output).not.toMatch(/ALERT/);
    expect(output).toContain('gw1 on node');
    expect(output).toContain('gw2 on deno');
    expect((await health(`http://127.0.0.1:${ports.gateway}/health`)).body).toMatchObject({ gateway: 'gw1', runtime: 'node' });
    expect((await health(`http://127.0.0.1:${ports.gateway + 1}/health`)).body).toMatchObject({ gateway: 'gw2', runtime: 'deno' });
    // The stats page asks for the credentials npm start drew and printed.
    const stats = JSON.parse(readFileSync(path.join(runDir, 'stats.json'), 'utf8')) as { user: string; password: string };
    expect(output).toContain(`user ${stats.user}, password ${stats.password}`);
    expect((await fetch(`http://127.0.0.1:${ports.stats}/stats`)).status).toBe(401);
    const authorization = `Basic ${Buffer.from(`${stats.user}:${stats.password}`).toString('base64')}`;
    expect((await fetch(`http://127.0.0.1:${ports.stats}/stats`, { headers: { authorization } })).status).toBe(200);
  });

  it('restarts a gateway killed with SIGKILL, and the rest keep running', async () => {
    const victim = processOf({ gateway: 'gw1' })!;
    const others = { core: processOf({ command: 'core/src/main.ts' })!, worker: processOf({ command: 'core/src/worker.ts' })!, gw2: processOf({ gateway: 'gw2' })!, haproxy: processOf({ command: 'haproxy' })! };
    expect(victim).toBeDefined();
    for (const [name, pid] of Object.entries(others)) expect(pid, name).toBeDefined();

    process.kill(victim, 'SIGKILL');
    await waitFor('the supervisor to log the exit', async () => output.includes('[gw1] exited (signal SIGKILL); restarting in 0.1 s'));
    const again = await waitFor(
      'gw1 to answer again',
      async () => {
        const pid = processOf({ gateway: 'gw1' });
        if (!pid || pid === victim) return undefined;
        return (await health(`http://127.0.0.1:${ports.gateway}/health`).catch(() => ({ status: 0 }))).status === 200 ? pid : undefined;
      },
      60_000,
      200,
    );
    expect(again).not.toBe(victim);
    expect(output).toMatch(/\[gw1\] restarted \(pid \d+, restart 1\)/);
    for (const [name, pid] of Object.entries(others)) expect(alive(pid), name).toBe(true);
    expect(output).not.toMatch(/\[(core|worker|gw2|haproxy)\] exited/);

    // Through HAProxy, core's cluster view sees both gateways again, each on its runtime.
    const app = `http://127.0.0.1:${ports.app}`;
    const demo = JSON.parse(readFileSync(path.join(runDir, 'demo.json'), 'utf8')) as { userId: string; password: string };
    const login = await fetch(`${app}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: demo.userId, password: demo.password }) });
    const { token } = (await login.json()) as { token: string };
    await waitFor('the cluster view to show both gateways reachable', async () => {
      const cluster = (await (await fetch(`${app}/cluster`, { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string; reachable: boolean; runtime: string }[];
      const view = cluster.map(({ id, reachable, runtime }) => ({ id, reachable, runtime }));
      return (
        JSON.stringify(view) ===
        JSON.stringify([
          { id: 'gw1', reachable: true, runtime: 'node' },
          { id: 'gw2', reachable: true, runtime: 'deno' },
        ])
      );
    });
  });

  it('stops every process on SIGINT', async () => {
    const processes = descendants(start.pid!);
    expect(processes.length).toBeGreaterThanOrEqual(6); // stack, core, worker, two gateways, HAProxy
    const exited = new Promise<number | null>((r) => start.once('exit', (code) => r(code)));
    start.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping…');
    await waitFor('every process to be gone', async () => processes.every((pid) => !alive(pid)), 30_000, 100).catch(() => {});
    expect(processes.filter(alive)).toEqual([]);
  }, 60_000);
});
