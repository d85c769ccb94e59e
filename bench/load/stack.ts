// The load tool's own stack: core (REST + outbox relay), fan-out worker(s), N edge nodes and
// HAProxy as processes, like scripts/stack.ts, on a Redis prefix and RabbitMQ prefix of their
// own against the load tool's database. The edge and the worker are ours or an alternative's.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { connectRedis, unlinkMatching } from '@feed/cache';
import { haproxyEnv, randomStatsCredentials, renderConfig } from '../../haproxy/render.ts';
import { freePort, waitFor } from '../../test/support/ports.ts';
import type { Watched } from './procstat.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type System = 'ours' | 'broadcast' | 'per-user' | 'socketio';
export const SYSTEMS: readonly System[] = ['ours', 'broadcast', 'per-user', 'socketio'];
export const SYSTEM_LABEL: Record<System, string> = {
  ours: 'ours: presence + one message per gateway',
  broadcast: 'broadcast-and-filter',
  'per-user': 'one RabbitMQ binding per user',
  socketio: 'Socket.IO + Redis adapter',
};

export interface StackOptions {
  system: System;
  gateways: number;
  workers: number;
  databaseUrl: string;
  redisUrl: string;
  amqpUrl: string;
  jwtSecret: string;
  celebrityThreshold: number;
  haproxy: boolean;
  /** Roles to run with --cpu-prof (core, worker, gateway), profiles into this directory. */
  cpuProf?: { roles: string[]; dir: string };
  log?: (line: string) => void;
  /** Extra environment for core, workers and edge nodes (e.g. WORKER_PREFETCH=64). */
  env?: Record<string, string>;
}

export interface EdgeNode {
  id: string;
  port: number;
  /** Where clients connect: ws/sse stream URL base (http://…) */
  httpUrl: string;
  child: ChildProcess;
}

export interface LoadStack {
  system: System;
  prefix: { redis: string; amqp: string };
  coreUrl: string;
  haproxyUrl?: string;
  edges: EdgeNode[];
  /** Every process of the system, for CPU and memory sampling. */
  watched(): Watched[];
  /**
   * Each Node process's Prometheus samples (core, workers, edge nodes), by process name. One
   * scrape per process: prom-client resets its event-loop delay histogram on every scrape.
   */
  processSamples(): Promise<Map<string, Map<string, number>>>;
  /** Fan-out work not yet done (messages in the fan-out queue plus unacknowledged). */
  fanoutBacklog(): Promise<number>;
  close(): Promise<void>;
}

interface Proc {
  name: string;
  role: string;
  child: ChildProcess;
  output(): string;
}

export async function startLoadStack(o: StackOptions): Promise<LoadStack> {
  const tag = randomBytes(3).toString('hex');
  const prefix = { redis: `bench_load:${tag}:`, amqp: `bench_load.${tag}.` };
  const procs: Proc[] = [];
  const log = o.log ?? (() => {});
  const common = {
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: prefix.redis,
    AMQP_URL: o.amqpUrl,
    AMQP_PREFIX: prefix.amqp,
    JWT_SECRET: o.jwtSecret,
    LOG_LEVEL: 'warn',
    CELEBRITY_THRESHOLD: String(o.celebrityThreshold),
    NO_COLOR: '1',
    ...o.env,
  };

  const launch = (name: string, role: string, script: string, env: Record<string, string>): Proc => {
    const args = ['--import', 'tsx'];
    if (o.cpuProf?.roles.includes(role)) {
      // One directory per process: tsx's loader thread writes a profile of its own beside the main one.
      const dir = path.join(o.cpuProf.dir, name);
      mkdirSync(dir, { recursive: true });
      args.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    const child = spawn(process.execPath, [...args, script], { cwd: ROOT, env: { ...process.env, ...common, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      if (!closing) log(`✗ ${name} exited (${signal ?? code}):\n${output.slice(-3000)}`);
    });
    const p = { name, role, child, output: () => output };
    procs.push(p);
    return p;
  };
  let closing = false;

  const corePort = await freePort();
  launch('core', 'core', 'core/src/main.ts', {
    PORT: String(corePort),
    MIGRATE_ON_START: 'false',
    POST_BURST: '100000000',
    DATABASE_POOL_SIZE: '20',
  });
  const alt = o.system !== 'ours';
  const metricsUrls = new Map<string, string>([['core', `http://127.0.0.1:${corePort}/metrics`]]);
  for (let i = 0; i < o.workers; i++) {
    const port = await freePort();
    launch(`worker${i + 1}`, 'worker', alt ? 'bench/load/alternatives/worker.ts' : 'core/src/worker.ts', { ALT_MODE: o.system, WORKER_METRICS_PORT: String(port) });
    metricsUrls.set(`worker${i + 1}`, `http://127.0.0.1:${port}/metrics`);
  }
  const edges: EdgeNode[] = [];
  for (let i = 0; i < o.gateways; i++) {
    const port = await freePort();
    const id = `g${i + 1}`;
    const script = o.system === 'ours' ? 'gateway/src/main.ts' : o.system === 'socketio' ? 'bench/load/alternatives/socketio-node.ts' : 'bench/load/alternatives/gateway.ts';
    const p = launch(id, 'gateway', script, { PORT: String(port), GATEWAY_ID: id, ALT_MODE: o.system, DRAIN_DELAY_MS: '0', DRAIN_WINDOW_MS: '0' });
    edges.push({ id, port, httpUrl: `http://127.0.0.1:${port}`, child: p.child });
    metricsUrls.set(id, `http://127.0.0.1:${port}/metrics`);
  }

  let haproxyUrl: string | undefined;
  let dir: string | undefined;
  const exitedEarly = () => procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
  const ready = async (url: string, what: string) =>
    waitFor(
      what,
      async () => {
        const dead = exitedEarly();
        if (dead) throw Object.assign(new Error(`${dead.name} exited:\n${dead.output().slice(-3000)}`), { fatal: true });
        return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
      },
      60_000,
      200,
    ).catch((err) => {
      throw err;
    });

  try {
    await ready(`http://127.0.0.1:${corePort}/health`, 'core');
    for (const e of edges) await ready(`${e.httpUrl}/health`, `edge ${e.id}`);
    if (o.haproxy && o.system !== 'socketio') {
      dir = mkdtempSync(path.join(tmpdir(), 'feed-bench-load-'));
      const port = await freePort();
      const statsPort = await freePort();
      const cfg = path.join(dir, 'haproxy.cfg');
      // The stats page asks for credentials; the readiness check below reads it with these.
      const stats = randomStatsCredentials();
      const authorization = `Basic ${Buffer.from(`${stats.user}:${stats.password}`).toString('base64')}`;
      writeFileSync(cfg, renderConfig({ core: [{ name: 'core1', address: `127.0.0.1:${corePort}` }], gateways: edges.map((e) => ({ name: e.id, address: `127.0.0.1:${e.port}` })) }));
      const child = spawn('haproxy', ['-db', '-f', cfg], {
        env: { ...process.env, ...haproxyEnv({ bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}`, socket: path.join(dir, 'haproxy.sock'), stats }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d) => (output = (output + d).slice(-5000)));
      child.stderr!.on('data', (d) => (output = (output + d).slice(-5000)));
      procs.push({ name: 'haproxy', role: 'haproxy', child, output: () => output });
      haproxyUrl = `http://127.0.0.1:${port}`;
      await ready(`${haproxyUrl}/health`, 'HAProxy');
      // Every gateway UP in HAProxy's eyes (health checks every second), as its stats page says.
      await waitFor(
        'HAProxy to see every gateway up',
        async () => {
          const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, { headers: { authorization }, signal: AbortSignal.timeout(1000) })).text();
          const up = csv.split('\n').filter((row) => row.startsWith('gateways,') && !row.startsWith('gateways,BACKEND') && !row.startsWith('gateways,FRONTEND') && row.split(',')[17]?.startsWith('UP'));
          return up.length === edges.length || undefined;
        },
        30_000,
        200,
      );
    }
    // Workers consume once the fan-out queue has a consumer.
    await waitFor('the workers to consume', async () => (await queueInfo(o.amqpUrl, `${prefix.amqp}fanout`))?.consumerCount === o.workers || undefined, 60_000, 200);
  } catch (err) {
    await close();
    throw err;
  }

  async function close(): Promise<void> {
    closing = true;
    // Graceful: profiles get written, gateways delete their queues.
    await Promise.all(
      procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill(p.role === 'haproxy' ? 'SIGKILL' : 'SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }),
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
    await cleanupPrefixes(
      o.redisUrl,
      o.env?.REDIS_CLUSTER_NODES ?? '',
      o.amqpUrl,
      prefix,
      edges.map((e) => e.id),
    );
  }

  return {
    system: o.system,
    prefix,
    coreUrl: `http://127.0.0.1:${corePort}`,
    haproxyUrl,
    edges,
    watched: () => procs.filter((p) => p.child.pid).map((p) => ({ name: p.name, role: p.role, pid: p.child.pid! })),
    async processSamples() {
      return new Map(await Promise.all([...metricsUrls].map(async ([name, url]) => [name, await samples(url)] as const)));
    },
    async fanoutBacklog() {
      const q = await queueInfo(o.amqpUrl, `${prefix.amqp}fanout`);
      return q ? q.messageCount : 0;
    },
    close,
  };
}

/** A Prometheus text page as `name` or `name{labels}` → value; the `gateway` label is dropped, so nodes add up. */
export async function samples(url: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = (await (await fetch(url).catch(() => undefined))?.text().catch(() => '')) ?? '';
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:]+)(?:\{([^}]*)\})? ([0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '')
      .split(',')
      .filter((l) => l && !l.startsWith('gateway='))
      .join(',');
    const key = labels ? `${m[1]}{${labels}}` : m[1]!;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

async function queueInfo(url: string, queue: string): Promise<{ messageCount: number; consumerCount: number } | undefined> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    return await ch.checkQueue(queue);
  } catch {
    return undefined;
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Deletes every Redis key and RabbitMQ queue/exchange the stack made. */
async function cleanupPrefixes(redisUrl: string, clusterNodes: string, amqpUrl: string, prefix: { redis: string; amqp: string }, edgeIds: string[]): Promise<void> {
  const redis = connectRedis({ url: redisUrl, clusterNodes }, () => {});
  try {
    await unlinkMatching(redis, `${prefix.redis}*`);
  } finally {
    await redis.quit().catch(() => {});
  }
  const p = prefix.amqp;
  const queues = [`${p}fanout`, `${p}fanout.dead`, ...edgeIds.map((id) => `${p}gw.${id}`)];
  const exchanges = [`${p}posts`, `${p}gateways`, `${p}fanout.dlx`, `${p}broadcast`, `${p}users`];
  const conn = await amqp.connect(amqpUrl);
  try {
    for (const q of queues) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteQueue(q).catch(() => {});
      await ch.close().catch(() => {});
    }
    for (const x of exchanges) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteExchange(x).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await conn.close().catch(() => {});
  }
}
