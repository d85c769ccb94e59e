// The chaos stack: everything as separate processes that can be killed and started again on
// the same ports: a private redis-server, a private RabbitMQ node (RabbitNode), core (REST +
// outbox relay), fan-out worker(s) (with WORKER_METRICS_PORT for /health and /metrics), N
// gateways and HAProxy in front, on a database of its own. Nothing is shared with anyone else,
// so stopping "the broker" or flushing "Redis" disturbs no other run. With `redis: 'cluster'`,
// a private six-node Redis Cluster (three masters, one replica each) instead of the redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { connectRedis, type RedisClient } from '@feed/cache';
import { haproxyEnv, renderConfig } from '../../haproxy/render.ts';
import { freePort, waitFor } from '../../test/support/ports.ts';
import { RabbitNode } from '../../test/support/rabbit-node.ts';
import { RedisCluster } from '../../test/support/redis-cluster.ts';
import { createDatabase, dropDatabase } from '../load/graph.ts';
import { usage } from '../load/procstat.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChaosStackOptions {
  adminUrl: string;
  database: string;
  gateways: number;
  jwtSecret: string;
  /** Extra environment for core, worker and gateways. */
  env?: Record<string, string>;
  /** Extra environment for gateways only (e.g. DRAIN_DELAY_MS). */
  gatewayEnv?: Record<string, string>;
  /** One private redis-server (default) or a private Redis Cluster. */
  redis?: 'single' | 'cluster';
  log?: (line: string) => void;
}

export type Role = 'core' | 'worker' | 'gateway' | 'haproxy';

interface Proc {
  name: string;
  role: Role;
  port: number;
  script: string;
  env: Record<string, string>;
  child: ChildProcess | undefined;
  output: string;
  /** Exits we caused (kill) are not reported as crashes. */
  expectExit: boolean;
  crashes: string[];
}

export interface Health {
  name: string;
  ok: boolean;
  detail?: string;
}

export class ChaosStack {
  private readonly procs = new Map<string, Proc>();
  private redisChild: ChildProcess | undefined;
  private dir = '';
  private closing = false;
  haproxyUrl = '';
  coreUrl = '';
  databaseUrl = '';
  redisUrl = '';
  redisPort = 0;
  /** REDIS_CLUSTER_NODES when the stack runs on a cluster ('' otherwise). */
  redisClusterNodes = '';
  /** The private cluster, when the stack runs on one. */
  cluster: RedisCluster | undefined;
  rabbit!: RabbitNode;

  private constructor(private readonly o: ChaosStackOptions) {}

  static async start(o: ChaosStackOptions): Promise<ChaosStack> {
    const stack = new ChaosStack(o);
    try {
      await stack.boot();
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private async boot(): Promise<void> {
    this.dir = mkdtempSync(path.join(tmpdir(), 'feed-chaos-'));
    this.databaseUrl = await createDatabase(this.o.adminUrl, this.o.database);
    if (this.o.redis === 'cluster') {
      // Redis's failover needs cluster-node-timeout to pass first: 5 s, as `npm run redis:cluster`.
      const [rabbit, cluster] = await Promise.all([RabbitNode.start(), RedisCluster.start({ nodeTimeoutMs: 5_000 })]);
      this.rabbit = rabbit;
      this.cluster = cluster;
      this.redisClusterNodes = cluster.nodes;
      this.redisPort = cluster.firstPort;
      this.redisUrl = `redis://127.0.0.1:${this.redisPort}/0`;
    } else {
      this.redisPort = await freePort();
      this.redisUrl = `redis://127.0.0.1:${this.redisPort}/0`;
      const [rabbit] = await Promise.all([RabbitNode.start(), this.startRedis()]);
      this.rabbit = rabbit;
    }
    const common: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_CLUSTER_NODES: this.redisClusterNodes,
      REDIS_PREFIX: 'chaos:',
      AMQP_URL: this.rabbit.url,
      AMQP_PREFIX: '',
      JWT_SECRET: this.o.jwtSecret,
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
      MIGRATE_ON_START: 'false',
      POST_BURST: '100000000',
      CELEBRITY_THRESHOLD: '1000000',
      ...this.o.env,
    };
    const corePort = await freePort();
    this.define('core', 'core', corePort, 'core/src/main.ts', { ...common, PORT: String(corePort) });
    const workerPort = await freePort();
    this.define('worker', 'worker', workerPort, 'core/src/worker.ts', { ...common, WORKER_METRICS_PORT: String(workerPort) });
    const gateways: { name: string; port: number }[] = [];
    for (let i = 0; i < this.o.gateways; i++) {
      const port = await freePort();
      const name = `g${i + 1}`;
      gateways.push({ name, port });
      this.define(name, 'gateway', port, 'gateway/src/main.ts', {
        ...common,
        PORT: String(port),
        GATEWAY_ID: name,
        DRAIN_DELAY_MS: '2000',
        DRAIN_WINDOW_MS: '3000',
        ...this.o.gatewayEnv,
      });
    }
    this.coreUrl = `http://127.0.0.1:${corePort}`;
    // Core first (it declares nothing on the broker the others need, but the worker needs the DB).
    for (const p of this.procs.values()) this.launch(p);
    for (const p of this.procs.values()) await this.waitHealthy(p.name);

    const port = await freePort();
    const statsPort = await freePort();
    const cfg = path.join(this.dir, 'haproxy.cfg');
    writeFileSync(cfg, renderConfig({ core: [{ name: 'core1', address: `127.0.0.1:${corePort}` }], gateways: gateways.map((g) => ({ name: g.name, address: `127.0.0.1:${g.port}` })) }));
    const env = haproxyEnv({ bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}`, socket: path.join(this.dir, 'haproxy.sock') });
    const hp: Proc = { name: 'haproxy', role: 'haproxy', port, script: cfg, env, child: undefined, output: '', expectExit: false, crashes: [] };
    this.procs.set('haproxy', hp);
    this.launch(hp);
    this.haproxyUrl = `http://127.0.0.1:${port}`;
    await waitFor('HAProxy', async () => (await fetch(`${this.haproxyUrl}/health`, { signal: AbortSignal.timeout(1000) })).ok, 30_000, 200);
    // Every gateway UP in HAProxy's eyes (checks every second, rise 1).
    await new Promise((r) => setTimeout(r, 2500));
  }

  private define(name: string, role: Role, port: number, script: string, env: Record<string, string>): void {
    this.procs.set(name, { name, role, port, script, env, child: undefined, output: '', expectExit: false, crashes: [] });
  }

  private launch(p: Proc): void {
    const child =
      p.role === 'haproxy'
        ? spawn('haproxy', ['-db', '-f', p.script], { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(process.execPath, ['--import', 'tsx', p.script], { cwd: ROOT, env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    p.child = child;
    p.expectExit = false;
    const keep = (d: Buffer) => (p.output = (p.output + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      if (this.closing || p.expectExit || p.child !== child) return;
      const line = `${p.name} exited on its own (${signal ?? code})`;
      p.crashes.push(line);
      this.log(`✗ ${line}:\n${p.output.slice(-3000)}`);
    });
  }

  names(role?: Role): string[] {
    return [...this.procs.values()].filter((p) => !role || p.role === role).map((p) => p.name);
  }

  pid(name: string): number | undefined {
    return this.procs.get(name)?.child?.pid;
  }

  /** Processes that exited without being told to. */
  crashes(): string[] {
    return [...this.procs.values()].flatMap((p) => p.crashes);
  }

  output(name: string): string {
    return this.procs.get(name)?.output ?? '';
  }

  /** Sends a signal and waits for the exit; SIGKILL after `graceMs`. Returns the exit time. */
  async kill(name: string, signal: NodeJS.Signals, graceMs = 20_000): Promise<{ code: number | null; signal: string | null }> {
    const p = this.procs.get(name)!;
    const child = p.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
    p.expectExit = true;
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(t);
    return result;
  }

  /** Starts a stopped process again with the same port and environment; waits until healthy. */
  async restart(name: string): Promise<void> {
    const p = this.procs.get(name)!;
    if (p.child && p.child.exitCode === null && p.child.signalCode === null) throw new Error(`${name} is still running`);
    this.launch(p);
    await this.waitHealthy(name);
  }

  private healthUrl(p: Proc): string {
    return `http://127.0.0.1:${p.port}/health`;
  }

  async waitHealthy(name: string, timeoutMs = 60_000): Promise<void> {
    const p = this.procs.get(name)!;
    const url = p.role === 'haproxy' ? `${this.haproxyUrl}/health` : this.healthUrl(p);
    await waitFor(
      `${name} healthy`,
      async () => {
        const c = p.child;
        if (!c || c.exitCode !== null || c.signalCode !== null) throw new Error(`${name} is not running:\n${p.output.slice(-2000)}`);
        return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
      },
      timeoutMs,
      100,
    );
  }

  /** /health of every process (and PING for Redis, a connection for RabbitMQ). */
  async health(): Promise<Health[]> {
    const out: Health[] = [];
    for (const p of this.procs.values()) {
      const url = p.role === 'haproxy' ? `${this.haproxyUrl}/health` : this.healthUrl(p);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        out.push({ name: p.name, ok: res.status === 200, detail: res.status === 200 ? undefined : `${res.status} ${(await res.text()).slice(0, 100)}` });
      } catch (err) {
        out.push({ name: p.name, ok: false, detail: (err as Error).message });
      }
    }
    if (this.cluster) {
      try {
        const state = await this.cluster.state();
        out.push({ name: 'redis cluster', ok: state === 'ok', detail: state === 'ok' ? undefined : state });
      } catch (err) {
        out.push({ name: 'redis cluster', ok: false, detail: (err as Error).message });
      }
    } else {
      const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => {});
      try {
        await redis.connect();
        out.push({ name: 'redis', ok: (await redis.ping()) === 'PONG' });
      } catch (err) {
        out.push({ name: 'redis', ok: false, detail: (err as Error).message });
      } finally {
        redis.disconnect();
      }
    }
    try {
      const conn = await amqp.connect(this.rabbit.url);
      await conn.close();
      out.push({ name: 'rabbitmq', ok: true });
    } catch (err) {
      out.push({ name: 'rabbitmq', ok: false, detail: (err as Error).message });
    }
    return out;
  }

  /** Waits until every health check passes; returns how long that took. */
  async waitAllHealthy(timeoutMs = 90_000): Promise<number> {
    const t0 = Date.now();
    let last: Health[] = [];
    try {
      await waitFor('every process healthy', async () => (last = await this.health()).every((h) => h.ok), timeoutMs, 250);
    } catch {
      throw new Error(`unhealthy after ${timeoutMs} ms: ${JSON.stringify(last.filter((h) => !h.ok))}`);
    }
    return Date.now() - t0;
  }

  async metrics(name: string): Promise<string> {
    const p = this.procs.get(name)!;
    return (await fetch(`http://127.0.0.1:${p.port}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  }

  rssMb(name: string): number | undefined {
    const pid = this.pid(name);
    return pid ? usage(pid)?.rssMb : undefined;
  }

  // --- Redis --------------------------------------------------------------------------

  private async startRedis(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.redisChild = child;
    let output = '';
    child.stdout!.on('data', (d) => (output = (output + d).slice(-5000)));
    child.stderr!.on('data', (d) => (output = (output + d).slice(-5000)));
    await waitFor(
      'redis-server',
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
        const r = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        r.on('error', () => {});
        try {
          await r.connect();
          return (await r.ping()) === 'PONG';
        } finally {
          r.disconnect();
        }
      },
      20_000,
      50,
    );
  }

  /** Kills redis-server (SIGKILL: no persistence anyway) and starts it again on the same port, empty. */
  async restartRedis(downMs = 0): Promise<void> {
    if (this.cluster) throw new Error('restartRedis: the stack runs on a cluster (see the redis-failover fault)');
    const child = this.redisChild!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.startRedis();
  }

  async flushRedis(): Promise<void> {
    if (this.cluster) throw new Error('flushRedis: the stack runs on a cluster');
    const r = new Redis(this.redisUrl);
    try {
      await r.flushall();
    } finally {
      await r.quit();
    }
  }

  redisClient(): RedisClient {
    return connectRedis({ url: this.redisUrl, clusterNodes: this.redisClusterNodes }, () => {});
  }

  /** Messages ready in the fan-out queue plus its consumers (null when the broker is down). */
  async fanoutQueue(): Promise<{ messageCount: number; consumerCount: number } | null> {
    try {
      const conn = await amqp.connect(this.rabbit.url);
      try {
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        return await ch.checkQueue('fanout');
      } finally {
        await conn.close().catch(() => {});
      }
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.procs.values()].map(async (p) => {
        const c = p.child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill(p.role === 'haproxy' ? 'SIGKILL' : 'SIGINT');
        const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }),
    );
    if (this.redisChild && this.redisChild.exitCode === null && this.redisChild.signalCode === null) {
      const exited = new Promise((r) => this.redisChild!.once('exit', r));
      this.redisChild.kill('SIGKILL');
      await exited;
    }
    await this.cluster?.stop();
    await this.rabbit?.stop().catch(() => {});
    if (this.databaseUrl) await dropDatabase(this.o.adminUrl, this.o.database).catch(() => {});
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export const randomTag = (): string => randomBytes(3).toString('hex');
