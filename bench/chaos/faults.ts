// The faults, one at a time, each followed by its recovery (the process started again, the
// broker or Redis back), and the measurement of each: the ledger's posts sent during the phase,
// how long clients were away, when every process was healthy again.
import { createCache, createKeys, logEventKeys } from '@feed/cache';
import { CHAOS_REDIS_PREFIX } from './stack.ts';
import { now } from '../clock.ts';
import type { Harness } from './harness.ts';
import { quantile } from '../stats.ts';
import type { LedgerCounts } from '../ledger.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Fault {
  id: string;
  title: string;
  /** The stack this fault needs: one on a Redis Cluster (default: the single redis-server). */
  needs?: 'cluster';
  /** Injects the fault and brings the part back; notes go to the report. */
  inject(h: Harness, note: (line: string) => void): Promise<void>;
}

export const FAULTS: Record<string, Fault> = {
  'gateway-kill': {
    id: 'gateway-kill',
    title: 'SIGKILL a gateway',
    async inject(h, note) {
      const t = now();
      await h.stack.kill('g1', 'SIGKILL');
      note(`g1 killed (SIGKILL) in ${(now() - t).toFixed(0)} ms`);
      await h.waitAllUp(60_000);
      const t2 = now();
      await h.stack.restart('g1');
      note(`g1 started again in ${((now() - t2) / 1000).toFixed(1)} s`);
    },
  },
  'gateway-drain': {
    id: 'gateway-drain',
    title: 'SIGTERM (drain) a gateway',
    async inject(h, note) {
      const t = now();
      const exit = await h.stack.kill('g2', 'SIGTERM');
      note(`g2 drained and exited (${exit.signal ?? exit.code}) after ${((now() - t) / 1000).toFixed(1)} s`);
      await h.waitAllUp(60_000);
      await h.stack.restart('g2');
    },
  },
  'worker-kill': {
    id: 'worker-kill',
    title: 'SIGKILL the fan-out worker mid fan-out',
    async inject(h, note) {
      const redis = h.stack.redisClient();
      try {
        // The big author's post: thousands of followers, fanned out in batches (FANOUT_BATCH),
        // the live message only after the last batch. Kill once the first client has its log
        // entry, i.e. while the batches are being written.
        const first = String(h.people.followersOf.get(h.people.bigAuthor)![0]);
        const posting = h.postBig('big fan-out');
        let postId: number | undefined;
        void posting.then((id) => (postId = id));
        const t0 = now();
        let written = false;
        while (now() - t0 < 30_000) {
          if (postId !== undefined && (await logsOf(redis).holds([first], logEventKeys.postCreated(String(postId))))[0]) {
            written = true;
            break;
          }
          await sleep(2);
        }
        await h.stack.kill('worker', 'SIGKILL');
        const logged = postId === undefined ? 0 : await countLogged(redis, h.people.followersOf.get(h.people.bigAuthor)!, postId);
        note(
          `big post ${postId} (${h.people.bigFollowerCount} followers): worker killed ${((now() - t0) / 1000).toFixed(2)} s after posting, ` +
            `${written ? `with ${logged} of ${h.people.followersOf.get(h.people.bigAuthor)!.length} clients' log entries written and no live message sent yet` : 'before any log entry (fan-out not started)'}`,
        );
        await sleep(1000);
        const t = now();
        await h.stack.restart('worker');
        note(`worker started again in ${((now() - t) / 1000).toFixed(1)} s`);
      } finally {
        redis.disconnect();
      }
    },
  },
  'rabbit-restart': {
    id: 'rabbit-restart',
    title: 'Restart RabbitMQ',
    async inject(h, note) {
      const t = now();
      await h.stack.rabbit.stopApp();
      note(`RabbitMQ stop_app took ${((now() - t) / 1000).toFixed(1)} s`);
      await sleep(3000);
      const t2 = now();
      await h.stack.rabbit.startApp();
      note(`down ${((now() - t) / 1000).toFixed(1)} s in all (start_app ${((now() - t2) / 1000).toFixed(1)} s)`);
    },
  },
  'redis-restart': {
    id: 'redis-restart',
    title: 'Restart Redis (empty: no persistence)',
    async inject(h, note) {
      const t = now();
      await h.stack.restartRedis(1000);
      note(`redis-server killed and started again empty on the same port: down ${((now() - t) / 1000).toFixed(1)} s`);
    },
  },
  'redis-flush': {
    id: 'redis-flush',
    title: 'FLUSHALL Redis',
    async inject(h, note) {
      await h.stack.flushRedis();
      note('FLUSHALL on the private redis-server');
    },
  },
  'redis-failover': {
    id: 'redis-failover',
    title: 'SIGKILL a Redis Cluster master (its replica is promoted)',
    needs: 'cluster',
    async inject(h, note) {
      const cluster = h.stack.cluster!;
      // The master holding a client's keys (every master holds about a third of them).
      const victim = await cluster.masterOf(createKeys(CHAOS_REDIS_PREFIX).log(String(h.people.clients[0])));
      const [replica] = await cluster.replicasOf(victim);
      if (!replica) throw new Error(`master :${victim} has no replica to promote`);
      const t = now();
      cluster.kill(victim);
      await cluster.waitPromoted(replica, victim, 60_000);
      note(`master :${victim} SIGKILLed; its replica :${replica} promoted and every node at cluster_state:ok ${((now() - t) / 1000).toFixed(1)} s later (cluster-node-timeout 5 s, then the election)`);
      const t2 = now();
      await cluster.restartDown();
      note(`:${victim} started again (empty, no persistence) and rejoined as a replica of :${replica} in ${((now() - t2) / 1000).toFixed(1)} s`);
    },
  },
  'core-restart': {
    id: 'core-restart',
    title: 'Restart core (SIGTERM, start again)',
    async inject(h, note) {
      const t = now();
      const exit = await h.stack.kill('core', 'SIGTERM');
      note(`core stopped (${exit.signal ?? exit.code}) in ${((now() - t) / 1000).toFixed(1)} s`);
      const t2 = now();
      await h.stack.restart('core');
      note(`core started again in ${((now() - t2) / 1000).toFixed(1)} s`);
    },
  },
};

/** The stack's event logs, through the cache's own API (the stack's Redis prefix). */
function logsOf(redis: ReturnType<Harness['stack']['redisClient']>) {
  return createCache(redis, { prefix: CHAOS_REDIS_PREFIX }).logs;
}

async function countLogged(redis: ReturnType<Harness['stack']['redisClient']>, users: number[], postId: number): Promise<number> {
  const held = await logsOf(redis).holds(users.map(String), logEventKeys.postCreated(String(postId)));
  return held.filter(Boolean).length;
}

export interface FaultResult {
  id: string;
  title: string;
  notes: string[];
  /** Phase window, ms since the run started. */
  from: number;
  faultAt: number;
  to: number;
  counts?: LedgerCounts;
  streamsDown: number;
  reconnectMs: { p50: number; max: number };
  /** From the fault until the last stream was back. */
  allUpAfterMs: number;
  /** From the fault until every process's health check answered 200. */
  healthyAfterMs: number;
  /** From the fault until the last delivery that took over 1 s (0: none did). */
  deliveryRecoveredAfterMs: number;
  resets: number;
  refetches: number;
  postsFailed: number;
  unhealthy: string[];
}

/** One fault under the running load: baseline, fault + recovery, steady load after. */
export async function runFault(h: Harness, fault: Fault, o: { baselineMs: number; afterMs: number; t0: number; log: (l: string) => void }): Promise<FaultResult> {
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    o.log(`    ${line}`);
  };
  o.log(`▶ ${fault.title}`);
  const from = now();
  await sleep(o.baselineMs);
  const faultAt = now();
  const events0 = h.streamEvents.length;
  const failed0 = h.postStats.failed;
  await fault.inject(h, note);
  await h.waitAllUp(90_000);
  let unhealthy: string[] = [];
  try {
    await h.stack.waitAllHealthy(60_000);
  } catch (err) {
    unhealthy = [(err as Error).message];
    note(`✗ ${(err as Error).message}`);
  }
  const healthyAt = now();
  await sleep(o.afterMs);
  const to = now();
  const events = h.streamEvents.slice(events0);
  const downAt = new Map<number, number>();
  const spans: number[] = [];
  let lastUp = faultAt;
  for (const e of events) {
    if (e.e === 'down' && !downAt.has(e.u)) downAt.set(e.u, e.at);
    else if (e.e === 'up' && downAt.has(e.u)) {
      spans.push(e.at - downAt.get(e.u)!);
      downAt.delete(e.u);
      lastUp = Math.max(lastUp, e.at);
    }
  }
  const result: FaultResult = {
    id: fault.id,
    title: fault.title,
    notes,
    from: from - o.t0,
    faultAt: faultAt - o.t0,
    to: to - o.t0,
    streamsDown: new Set(events.filter((e) => e.e === 'down').map((e) => e.u)).size,
    reconnectMs: { p50: quantile(spans, 0.5), max: spans.length ? Math.max(...spans) : NaN },
    allUpAfterMs: lastUp - faultAt,
    healthyAfterMs: healthyAt - faultAt,
    deliveryRecoveredAfterMs: 0,
    resets: events.filter((e) => e.e === 'reset').length,
    refetches: events.filter((e) => e.e === 'refetch').length,
    postsFailed: h.postStats.failed - failed0,
    unhealthy,
  };
  o.log(
    `  ${result.streamsDown} streams down, back after p50 ${result.reconnectMs.p50.toFixed(0)} / max ${result.reconnectMs.max.toFixed(0)} ms; all up ${(result.allUpAfterMs / 1000).toFixed(1)} s, healthy ${(result.healthyAfterMs / 1000).toFixed(1)} s after the fault; ${result.resets} resets, ${result.postsFailed} posts refused`,
  );
  return result;
}

/** Once the load has stopped and settled: the ledger's figures for each fault's window. */
export function finish(h: Harness, results: FaultResult[], t0: number): void {
  for (const r of results) {
    const from = t0 + r.from;
    const to = t0 + r.to;
    r.counts = h.ledger.counts(from, to);
    const slow = h.ledger.deliveries.filter((d) => d.sentAt >= from && d.sentAt < to && d.at - d.sentAt > 1000);
    r.deliveryRecoveredAfterMs = slow.length ? Math.max(0, Math.max(...slow.map((d) => d.at)) - (t0 + r.faultAt)) : 0;
  }
}
