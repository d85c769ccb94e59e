// The load tool's own stack: core (REST + outbox relay), fan-out worker(s), N edge nodes and
// HAProxy as processes, like scripts/stack.ts, on a Redis prefix and RabbitMQ prefix of their
// own against the load tool's database. The edge and the worker are ours or an alternative's;
// test/support/launcher.ts launches and stops the processes.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import { connectRedis, unlinkMatching } from '@feed/cache';
import { topology } from '@feed/contracts';
import { alternativeTopology } from './alternatives/topology.ts';
import { Launcher, type NodeRole } from '../../test/support/launcher.ts';
import { waitFor } from '../../test/support/ports.ts';
import { BENCH_PROCESS_ENV, startPipelineProcesses, type ProcessPlan } from '../pipeline-processes.ts';
import type { Watched } from './procstat.ts';

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

export async function startLoadStack(o: StackOptions): Promise<LoadStack> {
  const tag = randomBytes(3).toString('hex');
  const prefix = { redis: `bench_load:${tag}:`, amqp: `bench_load.${tag}.` };
  const { fanoutQueue } = topology(prefix.amqp);
  const launcher = new Launcher({
    log: o.log,
    env: {
      ...BENCH_PROCESS_ENV,
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      REDIS_PREFIX: prefix.redis,
      AMQP_URL: o.amqpUrl,
      AMQP_PREFIX: prefix.amqp,
      JWT_SECRET: o.jwtSecret,
      CELEBRITY_THRESHOLD: String(o.celebrityThreshold),
      ...o.env,
    },
  });
  /** A process of the stack: --cpu-prof when its role is asked for, into a directory of its own (tsx's loader thread writes a profile of its own beside the main one). */
  const plan = (name: string, role: NodeRole, env: Record<string, string>, script?: string): ProcessPlan => {
    if (!o.cpuProf?.roles.includes(role)) return { name, env, script };
    const dir = path.join(o.cpuProf.dir, name);
    mkdirSync(dir, { recursive: true });
    return { name, env, script, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] };
  };
  // `script`: an alternative's entry point instead of the role's own.
  const alt = o.system !== 'ours';
  const workerScript = alt ? 'bench/load/alternatives/worker.ts' : undefined;
  const edgeScript = !alt ? undefined : o.system === 'socketio' ? 'bench/load/alternatives/socketio-node.ts' : 'bench/load/alternatives/gateway.ts';
  const edges: EdgeNode[] = [];
  let haproxyUrl: string | undefined;
  try {
    const started = await startPipelineProcesses(launcher, {
      core: plan('core', 'core', { DATABASE_POOL_SIZE: '20' }),
      workers: Array.from({ length: o.workers }, (_, i) => plan(`worker${i + 1}`, 'worker', { ALT_MODE: o.system }, workerScript)),
      edges: Array.from({ length: o.gateways }, (_, i) => plan(`g${i + 1}`, 'gateway', { GATEWAY_ID: `g${i + 1}`, ALT_MODE: o.system, DRAIN_DELAY_MS: '0', DRAIN_WINDOW_MS: '0' }, edgeScript)),
      // Socket.IO's clients connect to its nodes straight: only our systems route through HAProxy.
      haproxy: o.haproxy && o.system !== 'socketio',
    });
    for (const edge of started.edges) edges.push({ id: edge.name, port: edge.port, httpUrl: edge.url, child: edge.child! });
    haproxyUrl = started.haproxy?.url;
    await waitFor('the workers to consume', async () => (await queueInfo(o.amqpUrl, fanoutQueue))?.consumerCount === o.workers || undefined, 60_000, 200);
  } catch (err) {
    await close();
    throw err;
  }

  async function close(): Promise<void> {
    // Graceful: profiles get written, gateways delete their queues.
    await launcher.close({ signal: 'SIGTERM', graceMs: 15_000 });
    await cleanupPrefixes(
      o.redisUrl,
      o.env?.REDIS_CLUSTER_NODES ?? '',
      o.amqpUrl,
      prefix,
      edges.map((e) => e.id),
    );
  }

  const nodes = launcher.processes().filter((p) => p.role !== 'haproxy');
  return {
    system: o.system,
    prefix,
    coreUrl: launcher.get('core').url,
    haproxyUrl,
    edges,
    watched: () => launcher.processes().flatMap((p) => (p.pid ? [{ name: p.name, role: p.role, pid: p.pid }] : [])),
    async processSamples() {
      return new Map(await Promise.all(nodes.map(async (p) => [p.name, await samples(`${p.url}/metrics`)] as const)));
    },
    async fanoutBacklog() {
      const q = await queueInfo(o.amqpUrl, fanoutQueue);
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
  const names = topology(prefix.amqp);
  const alternatives = alternativeTopology(prefix.amqp);
  const queues = [names.fanoutQueue, names.deadLetterQueue, ...edgeIds.map((id) => names.gatewayQueue(id))];
  const exchanges = [names.domainExchange, names.gatewayExchange, names.deadLetterExchange, alternatives.broadcastExchange, alternatives.usersExchange];
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
