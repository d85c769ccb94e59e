// The load tool as a function: makes its database and people, runs each system side by side on
// the same workload, then the scaling run, and cleans up. main.ts (the CLI) and load.test.ts
// (the short form in npm test) both call it.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createDatabase, createGraph, dropDatabase, signTokens, type Graph } from './graph.ts';
import type { LoadOptions } from './options.ts';
import { startPrivateRedis } from '../../test/support/redis-cluster.ts';
import { runSystem, type RunResult } from './run.ts';
import { roundOrder } from './rounds.ts';

export interface LoadResult {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; kernel: string };
  options: LoadOptions;
  graph: { users: number; follows: number; celebrities: number; celebrityThreshold: number; meanOrdinaryFollowers: number; meanCelebrityFollowers: number };
  comparison: RunResult[];
  scaling: RunResult[];
}

export interface Environment {
  adminUrl: string;
  redisUrl: string;
  amqpUrl: string;
}

export function environment(env = process.env): Environment {
  return {
    adminUrl: env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    amqpUrl: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  };
}

export async function runLoad(o: LoadOptions, env: Environment, log: (line: string) => void = console.log): Promise<LoadResult> {
  const startedAt = new Date().toISOString();
  log(`» database ${o.database}: ${o.users} users following ${o.follows} each, ${o.celebrities} celebrities followed by ${o.celebrityReach * 100}% of users`);
  const databaseUrl = await createDatabase(env.adminUrl, o.database);
  try {
    const graph: Graph = await createGraph(databaseUrl, { users: o.users, follows: o.follows, celebrities: o.celebrities, celebrityReach: o.celebrityReach, seed: 1 });
    const jwtSecret = randomBytes(32).toString('hex');
    const tokens = await signTokens(graph.ids, jwtSecret);
    log(`  ${graph.follows} follows; mean ${graph.meanOrdinaryFollowers.toFixed(1)} followers (celebrities ${graph.meanCelebrityFollowers.toFixed(0)}, threshold ${graph.celebrityThreshold})`);
    const base = {
      workers: o.workers,
      sseShare: o.sseShare,
      celebrityShare: o.celebrityShare,
      clientsPerProcess: o.clientsPerProcess,
      connectConcurrency: o.connectConcurrency,
      graceSeconds: o.graceSeconds,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      databaseUrl,
      redisUrl: env.redisUrl,
      amqpUrl: env.amqpUrl,
      jwtSecret,
      env: o.env,
    };
    const prof = (system: string) => (o.cpuProf.length ? { roles: o.cpuProf, dir: `${o.out}/profiles/${system}` } : undefined);
    const comparison: RunResult[] = [];
    // Every round runs every system, the order rotated by one each round; the knee steps and
    // profiles belong to the first round only (later rounds repeat the measured run).
    const schedule = Array.from({ length: o.rounds }, (_, i) => roundOrder(o.systems, i + 1).map((system) => ({ round: i + 1, system }))).flat();
    for (const { round, system } of schedule) {
      const first = round === 1;
      const label = o.rounds > 1 ? `${system} ×${o.gateways}, round ${round}` : `${system} ×${o.gateways}`;
      const run = {
        ...base,
        system,
        label,
        gateways: o.gateways,
        clients: o.clients,
        deliveriesPerSecond: o.rate,
        haproxyShare: system === 'socketio' ? 0 : o.haproxyShare,
        cpuProf: first ? prof(system) : undefined,
        kneeRates: first ? o.knee : [],
        kneeSeconds: o.kneeSeconds,
      };
      if (o.redis.length === 0) {
        comparison.push(await runSystem(run, graph, tokens, log));
        continue;
      }
      if (system !== 'ours' && o.redis.includes('cluster')) throw new Error(`--redis cluster: only our system runs on a Redis Cluster, not ${system}`);
      for (const mode of o.redis) {
        // A Redis of its own for this run only, so its redis-servers' CPU is this run's alone.
        const redis = await startPrivateRedis(mode);
        try {
          const servers = await redis.servers();
          const result = await runSystem({ ...run, redisUrl: redis.env.REDIS_URL, env: { ...o.env, REDIS_CLUSTER_NODES: redis.env.REDIS_CLUSTER_NODES }, label: `${label}, Redis ${mode}` }, graph, tokens, log);
          comparison.push({ ...result, redis: { mode, servers } });
        } finally {
          await redis.stop();
        }
      }
    }
    const scaling: RunResult[] = [];
    const widest = Math.max(0, ...o.scaling);
    for (const g of o.scaling) {
      scaling.push(
        await runSystem(
          {
            ...base,
            system: 'ours',
            gateways: g,
            clients: Math.round((o.clients / widest) * g),
            deliveriesPerSecond: (o.rate / widest) * g,
            haproxyShare: 0,
            label: `ours ×${g} (scaling)`,
          },
          graph,
          tokens,
          log,
        ),
      );
    }
    return {
      startedAt,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release() },
      options: o,
      graph: {
        users: graph.ids.length,
        follows: graph.follows,
        celebrities: graph.celebrities.length,
        celebrityThreshold: graph.celebrityThreshold,
        meanOrdinaryFollowers: graph.meanOrdinaryFollowers,
        meanCelebrityFollowers: graph.meanCelebrityFollowers,
      },
      comparison,
      scaling,
    };
  } finally {
    await dropDatabase(env.adminUrl, o.database);
  }
}
