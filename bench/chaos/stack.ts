// The chaos stack: everything as separate processes that can be killed and started again on
// the same ports: a private redis-server, a private RabbitMQ node (RabbitNode), core (REST +
// outbox relay), fan-out worker(s) (with WORKER_METRICS_PORT for /health and /metrics), N
// gateways and HAProxy in front, on a database of its own. Nothing is shared with anyone else,
// so stopping "the broker" or flushing "Redis" disturbs no other run. With `redis: 'cluster'`,
// a private six-node Redis Cluster (three masters, one replica each) instead of the redis-server.
// The processes are launched, killed and restarted by test/support/launcher.ts.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { connectRedis, type RedisClient } from '@feed/cache';
import { Launcher, StackProcess, type Exit, type Health, type Haproxy, type Role } from '../../test/support/launcher.ts';
import { freePort, waitFor } from '../../test/support/ports.ts';
import { RabbitNode } from '../../test/support/rabbit-node.ts';
import { pingRedis, RedisCluster } from '../../test/support/redis-cluster.ts';
import { createDatabase, dropDatabase } from '../load/graph.ts';
import { BENCH_PROCESS_ENV, startPipelineProcesses } from '../pipeline-processes.ts';
import { usage } from '../load/procstat.ts';

/** The Redis prefix of the chaos stack's keys. */
export const CHAOS_REDIS_PREFIX = 'chaos:';

export type { Health, Role };

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

export class ChaosStack {
  private launcher: Launcher | undefined;
  private redisServer: StackProcess | undefined;
  private haproxy: Haproxy | undefined;
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

  get haproxyUrl(): string {
    return this.haproxy?.url ?? '';
  }

  private async boot(): Promise<void> {
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
    const launcher = (this.launcher = new Launcher({
      log: this.o.log,
      env: {
        ...BENCH_PROCESS_ENV,
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: this.redisUrl,
        REDIS_CLUSTER_NODES: this.redisClusterNodes,
        REDIS_PREFIX: CHAOS_REDIS_PREFIX,
        AMQP_URL: this.rabbit.url,
        AMQP_PREFIX: '',
        JWT_SECRET: this.o.jwtSecret,
        CELEBRITY_THRESHOLD: '1000000',
        ...this.o.env,
      },
    }));
    const gatewayEnv = { DRAIN_DELAY_MS: '2000', DRAIN_WINDOW_MS: '3000', ...this.o.gatewayEnv };
    const { core, haproxy } = await startPipelineProcesses(launcher, {
      core: { name: 'core' },
      workers: [{ name: 'worker' }],
      edges: Array.from({ length: this.o.gateways }, (_, i) => ({ name: `g${i + 1}`, env: { GATEWAY_ID: `g${i + 1}`, ...gatewayEnv } })),
      haproxy: true,
    });
    this.coreUrl = core.url;
    this.haproxy = haproxy;
  }

  private get procs(): Launcher {
    if (!this.launcher) throw new Error('the chaos stack has not started');
    return this.launcher;
  }

  names(role?: Role): string[] {
    return this.procs.processes(role).map((p) => p.name);
  }

  /** Processes that exited without being told to. */
  crashes(): string[] {
    return this.procs.crashes();
  }

  /** Sends a signal and waits for the exit; SIGKILL after `graceMs`. */
  kill(name: string, signal: NodeJS.Signals, graceMs = 20_000): Promise<Exit> {
    return this.procs.get(name).kill(signal, graceMs);
  }

  /** Starts a stopped process again with the same port and environment; waits until healthy. */
  restart(name: string): Promise<void> {
    return this.procs.get(name).restart();
  }

  /** /health of every process (and PING for Redis, a connection for RabbitMQ). */
  async health(): Promise<Health[]> {
    const out: Health[] = [];
    for (const p of this.procs.processes()) out.push(await p.health());
    if (this.cluster) {
      try {
        const state = await this.cluster.state();
        out.push({ name: 'redis cluster', ok: state === 'ok', detail: state === 'ok' ? undefined : state });
      } catch (err) {
        out.push({ name: 'redis cluster', ok: false, detail: (err as Error).message });
      }
    } else {
      out.push({
        name: 'redis',
        ...(await this.ping().then(
          (ok) => ({ ok }),
          (err: Error) => ({ ok: false, detail: err.message }),
        )),
      });
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

  metrics(name: string): Promise<string> {
    return this.procs.get(name).metrics();
  }

  rssMb(name: string): number | undefined {
    const pid = this.procs.get(name).pid;
    return pid ? usage(pid)?.rssMb : undefined;
  }

  // --- Redis --------------------------------------------------------------------------

  private ping(): Promise<boolean> {
    return pingRedis(this.redisUrl);
  }

  private async startRedis(): Promise<void> {
    this.redisServer ??= new StackProcess(
      {
        name: 'redis-server',
        role: 'redis',
        command: 'redis-server',
        args: ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
        env: {},
        port: this.redisPort,
        ready: () => this.ping(),
      },
      this.o.log,
    );
    await this.redisServer.restart(20_000);
  }

  /** Kills redis-server (SIGKILL: no persistence anyway) and starts it again on the same port, empty. */
  async restartRedis(downMs = 0): Promise<void> {
    if (!this.redisServer) throw new Error('restartRedis: the stack runs on a cluster (see the redis-failover fault)');
    await this.redisServer.kill('SIGKILL');
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

  async close(): Promise<void> {
    await this.launcher?.close({ signal: 'SIGINT', graceMs: 10_000 });
    await this.redisServer?.kill('SIGKILL');
    await this.cluster?.stop();
    await this.rabbit?.stop().catch(() => {});
    if (this.databaseUrl) await dropDatabase(this.o.adminUrl, this.o.database).catch(() => {});
  }
}

export const randomTag = (): string => randomBytes(3).toString('hex');
