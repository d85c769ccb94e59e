// A six-node Redis Cluster (three masters, one replica each) for tests and benchmarks, started by
// scripts/redis-cluster.sh (the script `npm run redis:cluster` runs) on free ports with a data
// directory of its own, so it never meets the shared Redis on 6379 or a developer's cluster.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitFor } from './ports.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/redis-cluster.sh', import.meta.url));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first port such that `count` ports from it, and their cluster bus ports (+10000), are free. */
async function freeRun(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const first = 20_000 + Math.floor(Math.random() * 8_000);
    const ports = Array.from({ length: count }, (_, i) => [first + i, first + i + 10_000]).flat();
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports (and bus ports) in 20000-28000`);
}

export interface NodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** Set when the node is marked failed (fail or pfail). */
  failed: boolean;
  /** For a replica, the master's id. */
  masterId: string | undefined;
  slots: number;
}

export class RedisCluster {
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly dir: string,
    readonly firstPort: number,
    /** The setting for services: REDIS_CLUSTER_NODES. */
    readonly nodes: string,
  ) {}

  /**
   * Starts the nodes and creates the cluster; on failure, whatever did start is removed again.
   * `nodeTimeoutMs`: how long a master may be silent before its replica takes over.
   */
  static async start(o: { nodeTimeoutMs?: number; spare?: number } = {}): Promise<RedisCluster> {
    const size = 6;
    const port = await freeRun(size + (o.spare ?? 1));
    const dir = mkdtempSync(path.join(tmpdir(), 'feed-redis-cluster-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_CLUSTER_DIR: dir,
      REDIS_CLUSTER_PORT: String(port),
      REDIS_CLUSTER_SIZE: String(size),
      REDIS_CLUSTER_NODE_TIMEOUT: String(o.nodeTimeoutMs ?? 2_000),
    };
    const expected = Array.from({ length: size }, (_, i) => `127.0.0.1:${port + i}`).join(',');
    const cluster = new RedisCluster(env, dir, port, expected);
    try {
      const { stdout } = await run('bash', [SCRIPT, 'start'], { env, timeout: 120_000 });
      if (stdout.trim() !== `REDIS_CLUSTER_NODES=${expected}`) throw new Error(`unexpected output from the script: ${stdout}`);
      // cluster_state:ok comes before every node has heard which nodes replicate which: wait
      // until every node sees three masters with slots and three replicas.
      await waitFor(
        'every node to agree on three masters and three replicas',
        async () => {
          for (const port of cluster.ports()) {
            const view = await cluster.view(port);
            if (view.filter((n) => n.role === 'master' && n.slots > 0).length !== 3 || view.filter((n) => n.role === 'replica' && n.masterId).length !== 3) return false;
          }
          return true;
        },
        30_000,
        100,
      );
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Ports of the nodes started so far. */
  ports(): number[] {
    return this.nodes.split(',').map((n) => Number(n.split(':')[1]));
  }

  /** A plain connection to one node (not cluster-aware: for CLUSTER, INFO, WAIT). */
  node(port: number): Redis {
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    return r;
  }

  private async ask<T>(port: number, work: (r: Redis) => Promise<T>): Promise<T> {
    const r = this.node(port);
    try {
      await r.connect();
      return await work(r);
    } finally {
      r.disconnect();
    }
  }

  /** CLUSTER NODES as one node sees it. */
  async view(via?: number): Promise<NodeInfo[]> {
    const ports = via ? [via] : this.ports();
    let lastErr: unknown;
    for (const port of ports) {
      try {
        const text = await this.ask(port, (r) => r.cluster('NODES') as Promise<string>);
        return text
          .trim()
          .split('\n')
          .map((line) => {
            const [id = '', addr = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
            const count = slots.reduce((n, s) => {
              if (s.startsWith('[')) return n; // a slot being migrated
              const [a, b] = s.split('-').map(Number);
              return n + (b === undefined ? 1 : b - a! + 1);
            }, 0);
            return {
              id,
              port: Number(addr.split('@')[0]!.split(':')[1]),
              role: flags.includes('master') ? 'master' : 'replica',
              failed: /\bp?fail\b/.test(flags),
              masterId: master === '-' ? undefined : master,
              slots: count,
            } satisfies NodeInfo;
          });
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** cluster_state as the first node that answers sees it ('ok' or 'fail'). */
  async state(): Promise<string> {
    for (const port of this.ports()) {
      try {
        const info = await this.ask(port, (r) => r.cluster('INFO') as Promise<string>);
        return /^cluster_state:(\w+)/m.exec(info)?.[1] ?? 'unknown';
      } catch {
        /* down: ask the next */
      }
    }
    return 'no node answers';
  }

  /** The port of the master serving `key` now. */
  async masterOf(key: string): Promise<number> {
    for (const port of this.ports()) {
      try {
        return await this.ask(port, async (r) => {
          const slot = (await r.cluster('KEYSLOT', key)) as number;
          const range = (await r.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
          if (!range?.[2]) throw new Error(`slot ${slot} is not served`);
          return range[2][1];
        });
      } catch {
        /* that node is down: ask another */
      }
    }
    throw new Error('no node answered');
  }

  pidOf(port: number): number {
    return Number(readFileSync(path.join(this.dir, `node${port - this.firstPort + 1}`, 'redis.pid'), 'utf8').trim());
  }

  /** SIGKILL, as a crash: no shutdown, nothing saved. */
  kill(port: number): void {
    process.kill(this.pidOf(port), 'SIGKILL');
  }

  /**
   * SIGSTOP: the node freezes (a long GC-like stall or a partition): it answers nothing and
   * receives no replication stream until `resume`. Frozen past the node timeout, it is marked
   * failed by the others.
   */
  freeze(port: number): void {
    process.kill(this.pidOf(port), 'SIGSTOP');
  }

  resume(port: number): void {
    process.kill(this.pidOf(port), 'SIGCONT');
  }

  /**
   * A master drops its replicas' connections (CLIENT KILL TYPE replica): what it writes until they
   * reconnect reaches no replica. With the replica frozen, that is everything from now on.
   */
  async dropReplicas(master: number): Promise<void> {
    await this.ask(master, (r) => r.call('CLIENT', 'KILL', 'TYPE', 'replica'));
  }

  /**
   * Lets replica `port` stand for election however long it has been cut off from its master. By
   * default a replica disconnected for more than node-timeout × 10 + the ping period refuses to
   * fail over (its data is deemed too old); a test that freezes one for a while on a loaded
   * machine would otherwise wait for a promotion that never comes.
   */
  async allowStalePromotion(port: number): Promise<void> {
    await this.ask(port, (r) => r.config('SET', 'cluster-replica-validity-factor', '0'));
  }

  /** The replicas of master `port` now. */
  async replicasOf(port: number): Promise<number[]> {
    const view = await this.view();
    const master = view.find((n) => n.port === port);
    return view.filter((n) => n.masterId === master?.id && !n.failed).map((n) => n.port);
  }

  /**
   * Waits until `replica` is a master serving slots and every other live node reports
   * cluster_state:ok (the killed `dead` node left out).
   */
  async waitPromoted(replica: number, dead: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `:${replica} promoted`,
      async () => {
        const view = await this.view(replica);
        const me = view.find((n) => n.port === replica);
        if (me?.role !== 'master' || me.slots === 0) return false;
        for (const p of this.ports().filter((x) => x !== dead)) if (!(await this.ask(p, (r) => r.cluster('INFO') as Promise<string>)).includes('cluster_state:ok')) return false;
        return true;
      },
      timeoutMs,
      100,
    );
  }

  /** Starts the nodes that are down again (they rejoin from nodes.conf, a killed master as a replica). */
  async restartDown(): Promise<void> {
    await run('bash', [SCRIPT, 'start'], { env: this.env, timeout: 120_000 });
  }

  /** Stops every node and deletes the data directory (safe to call more than once). */
  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop'], { env: this.env, timeout: 60_000 }).catch(() => {});
  }
}

/** Whether a redis-server answers PING at `url` now (one try, no reconnecting). */
export async function pingRedis(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } finally {
    r.disconnect();
  }
}

/** A Redis of its own for a benchmark or a test: one redis-server, or a six-node cluster (three masters). */
export interface PrivateRedis {
  mode: 'single' | 'cluster';
  /** What services are given. */
  env: { REDIS_URL: string; REDIS_CLUSTER_NODES: string };
  /** Every redis-server of it, with its role now. */
  servers(): Promise<{ port: number; pid: number; role: 'master' | 'replica' }[]>;
  stop(): Promise<void>;
}

/** Starts a private Redis: `single` (no persistence, a free port) or `cluster` (RedisCluster). */
export async function startPrivateRedis(mode: 'single' | 'cluster'): Promise<PrivateRedis> {
  if (mode === 'cluster') {
    // Redis's default node timeout: a benchmark on a busy machine must not fail over by accident.
    const cluster = await RedisCluster.start({ nodeTimeoutMs: 15_000 });
    return {
      mode,
      env: { REDIS_URL: `redis://127.0.0.1:${cluster.firstPort}/0`, REDIS_CLUSTER_NODES: cluster.nodes },
      async servers() {
        const view = await cluster.view();
        return view.filter((n) => !n.failed).map((n) => ({ port: n.port, pid: cluster.pidOf(n.port), role: n.role }));
      },
      stop: () => cluster.stop(),
    };
  }
  const port = await freeRun(1);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const url = `redis://127.0.0.1:${port}/0`;
  await waitFor(
    `redis-server on ${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      return pingRedis(url);
    },
    20_000,
    50,
  );
  return {
    mode,
    env: { REDIS_URL: url, REDIS_CLUSTER_NODES: '' },
    servers: async () => [{ port, pid: child.pid!, role: 'master' }],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
