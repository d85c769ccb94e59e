// One measured run: start a system's stack, connect the clients, post at the set rate, keep
// the ledger, sample every process, and return the figures.
import { writeFileSync } from 'node:fs';
import { connectRedis, createCache } from '@feed/cache';
import { ClientPool } from '../client-pool.ts';
import type { ConnKind, ConnSpec, loadClients } from './client.ts';
import type { Graph } from './graph.ts';
import { Ledger, type LedgerSummary } from '../ledger.ts';
import { now } from '../clock.ts';
import { createPost, post, type PostStats } from './poster.ts';
import { Sampler, pidsNamed, usage, type ProcessReport, type Watched } from './procstat.ts';
import { edgeStats, hopLine, hopStats, processStalls, type EdgeStats, type HopStats, type ProcessStalls } from './edge-stats.ts';
import { busiestCommands, commandStats } from './redis-commands.ts';
import { startLoadStack, type System } from './stack.ts';
import { mark, verdictOf, type Verdict } from './verdict.ts';

const CLIENT = new URL('./client.ts', import.meta.url);

export interface RunOptions {
  system: System;
  gateways: number;
  workers: number;
  /** Connected users (the first `clients` of the graph's ids, one stream each). */
  clients: number;
  deliveriesPerSecond: number;
  seconds: number;
  sseShare: number;
  /** Share of clients that connect through HAProxy (the rest go straight to the gateways). */
  haproxyShare: number;
  celebrityShare: number;
  clientsPerProcess: number;
  /** Handshakes in flight per client process while connecting. */
  connectConcurrency: number;
  /** Unmeasured posting at the same rate before the measured window. */
  warmupSeconds: number;
  /** Seconds to wait for the last deliveries after the last post. */
  graceSeconds: number;
  databaseUrl: string;
  redisUrl: string;
  amqpUrl: string;
  jwtSecret: string;
  cpuProf?: { roles: string[]; dir: string };
  env?: Record<string, string>;
  label?: string;
  /**
   * After the measured run, with the same stack and clients: post at each of these rates in
   * turn (deliveries/s, rising) for kneeSeconds each, until the system saturates (p99 past
   * SATURATED_P99_MS) or loses anything: the curve of latency against offered rate.
   */
  kneeRates?: number[];
  kneeSeconds?: number;
}

/** The knee: the highest offered rate whose p99 stays within this. */
export const KNEE_P99_MS = 100;
/** Past this p99 a system is saturated (its backlog grows): higher steps say nothing more. */
export const SATURATED_P99_MS = 1_000;

export interface KneeStep {
  rate: number;
  deliveriesPerSecond: number;
  delivered: number;
  p50: number;
  p99: number;
  verdict: Verdict;
}

export interface RunResult {
  label: string;
  system: System;
  gateways: number;
  workers: number;
  clients: { connected: number; failed: number; ws: number; sse: number; sio: number; viaHaproxy: number; unexpectedCloses: number; errors: string[] };
  target: { deliveriesPerSecond: number; postsPerSecond: number; seconds: number };
  posts: PostStats;
  ledger: LedgerSummary;
  /** Messages consumed per edge node during the measured window. */
  messagesIn: number[];
  /** Gap fills and creation-to-socket-write lag, from the edge nodes' metrics (ours only). */
  edge: EdgeStats;
  /** The event's age as it left each hop (ours and the alternatives built on our worker). */
  hops: HopStats[];
  /** Event-loop delay and GC of each Node process of the system, from its metrics. */
  stalls: Record<string, ProcessStalls>;
  /** The commands that took the most Redis time in the measured window (INFO commandstats). */
  redisCommands: { command: string; calls: number; seconds: number }[];
  processes: ProcessReport[];
  /**
   * CPU seconds of the system's own processes (core, workers, edge nodes). HAProxy is counted
   * apart (`proxyCpuSeconds`): only our systems route a share of their clients through it, so
   * counting it would charge them for a proxy that Socket.IO's run does not have.
   */
  systemCpuSeconds: number;
  proxyCpuSeconds: number;
  /** Of the shared services (Redis, RabbitMQ, Postgres), which other work on the machine also uses. */
  servicesCpuSeconds: number;
  cpuMsPerDelivery: number;
  cpuMsPerDeliveryWithServices: number;
  memoryPerConnectionKb: number;
  cpuSeries: { t: number; cpu: Record<string, number> }[];
  latencySample: number[];
  /** The rate steps (empty without kneeRates) and the highest rate with p99 ≤ KNEE_P99_MS and nothing lost (null: none). */
  knee: { steps: KneeStep[]; rate: number | null };
  /** Whether the figures can be read: everything delivered exactly once, in order. */
  verdict: Verdict;
  /** With `--redis`: the private Redis of this run and its redis-servers (their pids name them in `processes`). */
  redis?: { mode: 'single' | 'cluster'; servers: { port: number; pid: number; role: 'master' | 'replica' }[] };
}

type Log = (line: string) => void;

export async function runSystem(o: RunOptions, graph: Graph, tokens: Map<number, string>, log: Log): Promise<RunResult> {
  const label = o.label ?? `${o.system} ×${o.gateways}`;
  const users = graph.ids.slice(0, o.clients);
  const online = new Set(users);
  const celebrities = graph.celebrities.filter(() => true);
  const mean = (list: number[]) => list.reduce((s, id) => s + graph.followersOf.get(id)!.filter((f) => online.has(f)).length, 0) / Math.max(1, list.length);
  const ordinaryAuthors = graph.ids.filter((id) => !celebrities.includes(id) && graph.followersOf.get(id)!.length > 0);
  const perPost = (1 - (celebrities.length ? o.celebrityShare : 0)) * mean(ordinaryAuthors) + (celebrities.length ? o.celebrityShare * mean(celebrities) : 0);
  const postsPerSecond = o.deliveriesPerSecond / perPost;
  log(`▶ ${label}: ${o.clients} clients, ${o.gateways} edge nodes, ${postsPerSecond.toFixed(1)} posts/s × ${perPost.toFixed(1)} online followers ≈ ${o.deliveriesPerSecond} deliveries/s for ${o.seconds} s`);

  const stack = await startLoadStack({
    system: o.system,
    gateways: o.gateways,
    workers: o.workers,
    databaseUrl: o.databaseUrl,
    redisUrl: o.redisUrl,
    amqpUrl: o.amqpUrl,
    jwtSecret: o.jwtSecret,
    celebrityThreshold: graph.celebrityThreshold,
    haproxy: o.haproxyShare > 0,
    cpuProf: o.cpuProf,
    env: o.env,
    log,
  });
  let clients: ClientPool<typeof loadClients> | undefined;
  try {
    const pathOf = new Map<number, string>();
    const ledger = new Ledger((userId) => pathOf.get(userId) ?? 'unknown');
    /** Where receipts go: the measured run's ledger, then each knee step's own. */
    let receiving = ledger;
    // Warm-up: each celebrity posts once, so the worker promotes them (their followers learn
    // whom they follow) before the clients connect; those posts are not measured.
    for (const c of celebrities) ledger.ignore(await createPost(stack.coreUrl, tokens.get(c)!, 'warm-up'));
    await waitDrained(stack.fanoutBacklog);
    await new Promise((r) => setTimeout(r, 1000));
    // Which celebrities each user follows, as a feed rebuild (`npm run feeds:rebuild`, or the
    // user's first feed read) leaves it in Redis: gateways read it when a session opens.
    await writeCelebrityFollows(o.redisUrl, o.env?.REDIS_CLUSTER_NODES ?? '', stack.prefix.redis, graph, users);

    // Clients: spread over processes; each user one stream, WebSocket or SSE (Socket.IO for its system).
    const conns: ConnSpec[] = [];
    let viaHaproxy = 0;
    const kinds = { ws: 0, sse: 0, sio: 0 };
    users.forEach((userId, i) => {
      const kind: ConnKind = o.system === 'socketio' ? 'sio' : (i * 7919) % 1000 < o.sseShare * 1000 ? 'sse' : 'ws';
      kinds[kind]++;
      const throughHaproxy = stack.haproxyUrl && (i * 104729) % 1000 < o.haproxyShare * 1000;
      if (throughHaproxy) viaHaproxy++;
      const url = throughHaproxy ? stack.haproxyUrl! : stack.edges[i % stack.edges.length]!.httpUrl;
      conns.push({ userId, token: tokens.get(userId)!, url, kind });
      pathOf.set(userId, `${kind} ${throughHaproxy ? 'via HAProxy' : 'direct'}`);
    });
    const edgeRss = () => stack.edges.map((e) => usage(e.child.pid!)?.rssMb ?? 0);
    const rssBefore = edgeRss();
    clients = new ClientPool<typeof loadClients>(CLIENT, {
      processes: Math.ceil(conns.length / o.clientsPerProcess),
      settings: undefined,
      onBatch: (flat) => receiving.receipts(flat),
    });
    const opened = await clients.open(conns, {
      concurrency: o.connectConcurrency,
      progress: (done, total) => log(`  connecting… ${done}/${total}`),
      progressEveryMs: 5000,
    });
    // Only users whose stream opened are owed deliveries.
    const connectedUsers = new Set(users);
    for (const c of opened.failed) connectedUsers.delete(c.userId);
    const clientStats = { connected: opened.opened, failed: opened.failed.length, unexpectedCloses: 0, errors: opened.errors.map((e) => `${e.spec.kind} ${e.spec.userId}: ${e.message}`) };
    log(`  ${clientStats.connected} connected (${clientStats.failed} failed) in ${opened.seconds.toFixed(1)} s${clientStats.errors.length ? `: ${clientStats.errors.slice(0, 3).join('; ')}` : ''}`);
    await new Promise((r) => setTimeout(r, 1500));
    const rssAfter = edgeRss();
    const memoryPerConnectionKb = ((rssAfter.reduce((a, b) => a + b, 0) - rssBefore.reduce((a, b) => a + b, 0)) * 1024) / Math.max(1, clientStats.connected);

    // Measure.
    const watched: Watched[] = [
      ...stack.watched(),
      { name: 'load tool', role: 'load tool', pid: process.pid },
      ...clients.pids.map((pid, i) => ({ name: `clients${i + 1}`, role: 'clients', pid })),
      ...pidsNamed(['redis-server']).map((pid) => ({ name: `redis ${pid}`, role: 'redis', pid })),
      ...pidsNamed(['beam.smp']).map((pid) => ({ name: `rabbitmq ${pid}`, role: 'rabbitmq', pid })),
      ...pidsNamed(['postgres']).map((pid) => ({ name: `postgres ${pid}`, role: 'postgres', pid })),
    ];
    // Warm-up at the same rate, unmeasured: every process (and V8's JIT) up to speed first.
    if (o.warmupSeconds > 0) {
      log(`  warming up for ${o.warmupSeconds} s`);
      await post({ coreUrl: stack.coreUrl, postsPerSecond, seconds: o.warmupSeconds, celebrityShare: o.celebrityShare, seed: 3, unmeasured: true }, graph, tokens, ledger, connectedUsers);
      await waitDrained(stack.fanoutBacklog);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const sampler = new Sampler(watched);
    const processBefore = await stack.processSamples();
    const redisBefore = await commandStats(o.redisUrl, o.env?.REDIS_CLUSTER_NODES ?? '');
    sampler.start(1000);
    const progress = setInterval(() => {
      const s = ledger.summary();
      log(`  ${label}: ${s.posts} posts, ${s.delivered}/${s.expected} delivered, outstanding ${ledger.outstanding}, p99 so far ${s.latencyMs.p99.toFixed(1)} ms`);
    }, 5000);
    const posts = await post({ coreUrl: stack.coreUrl, postsPerSecond, seconds: o.seconds, celebrityShare: o.celebrityShare, seed: 7 }, graph, tokens, ledger, connectedUsers);
    const deadline = performance.now() + o.graceSeconds * 1000;
    while (ledger.outstanding > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Late duplicates would come right after: give them a moment.
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(progress);
    const processes = sampler.stop();
    const processAfter = await stack.processSamples();
    const redisCommands = busiestCommands(redisBefore, await commandStats(o.redisUrl, o.env?.REDIS_CLUSTER_NODES ?? ''));
    const edgeIds = stack.edges.map((e) => e.id);
    const edge = edgeStats(sumOf(processBefore, edgeIds), sumOf(processAfter, edgeIds));
    const everyProcess = [...processAfter.keys()];
    const hops = hopStats(sumOf(processBefore, everyProcess), sumOf(processAfter, everyProcess));
    const stalls = Object.fromEntries([...processAfter].filter(([, after]) => after.size > 0).map(([name, after]) => [name, processStalls(processBefore.get(name) ?? new Map(), after)]));

    const steps: KneeStep[] = [];
    for (const [i, rate] of (o.kneeRates ?? []).entries()) {
      const step = new Ledger((userId) => pathOf.get(userId) ?? 'unknown');
      receiving = step;
      const stepStart = now();
      const stepPosts = await post({ coreUrl: stack.coreUrl, postsPerSecond: rate / perPost, seconds: o.kneeSeconds ?? 10, celebrityShare: o.celebrityShare, seed: 11 + i }, graph, tokens, step, connectedUsers);
      const until = performance.now() + o.graceSeconds * 1000;
      while (step.outstanding > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
      const s = step.summary();
      const v = verdictOf({ ledger: s, clients: clientStats, posts: stepPosts, messagesIn: [] });
      steps.push({ rate, deliveriesPerSecond: s.deliveriesPerSecond, delivered: s.delivered, p50: s.latencyMs.p50, p99: s.latencyMs.p99, verdict: v });
      log(`  ${mark(v)} ${label} knee step ${rate}/s offered: ${s.delivered}/${s.expected} delivered, ${s.deliveriesPerSecond.toFixed(0)}/s, p50 ${s.latencyMs.p50.toFixed(1)} p99 ${s.latencyMs.p99.toFixed(1)} ms`);
      // Receipts of posts the step never made are copies of earlier posts: say what the measured run knew of them.
      for (const [postId, userId, at] of step.orphanReceipts()) log(`    post ${postId} arrived for user ${userId} during the step (${(at - stepStart).toFixed(0)} ms into it); in the measured run it was ${ledger.standing(postId, userId)}`);
      if (!v.ok || s.latencyMs.p99 > SATURATED_P99_MS) break;
    }
    receiving = ledger;
    const within = steps.filter((k, i) => k.verdict.ok && k.p99 <= KNEE_P99_MS && steps.slice(0, i).every((e) => e.verdict.ok && e.p99 <= KNEE_P99_MS));
    const knee = { steps, rate: within.at(-1)?.rate ?? null };
    if (steps.length) log(`  knee of ${label}: ${knee.rate === null ? `none (p99 > ${KNEE_P99_MS} ms from the first step)` : `${knee.rate} deliveries/s offered with p99 ≤ ${KNEE_P99_MS} ms`}`);

    const closed = await clients.close();
    clientStats.unexpectedCloses = closed.lost;
    if (closed.lost > 0) log(`  ✗ ${closed.lost} streams ended during the run; the first because: ${JSON.stringify(closed.why.slice(0, 8))}`);
    const summary = ledger.summary();
    if (process.env.LOAD_TIMELINE) writeFileSync(process.env.LOAD_TIMELINE, JSON.stringify(ledger.postTimeline()));
    if (summary.lost > 0) {
      const owed = ledger.owed();
      const celebrityLost = owed.filter(([, a]) => celebrities.includes(a)).length;
      log(`  ✗ lost deliveries; first posts owed (${celebrityLost} of ${owed.length} by celebrities): ${JSON.stringify(owed.slice(0, 4))}`);
      const where = new Map(conns.map((c) => [c.userId, `${c.kind} ${c.url}`]));
      log(`    owed users connected at: ${JSON.stringify(owed.flatMap(([, , , us]) => us.map((u) => where.get(u))).slice(0, 12))}`);
    }
    const own = new Set(['core', 'worker', 'gateway']);
    const services = new Set(['redis', 'rabbitmq', 'postgres']);
    const systemCpuSeconds = processes.filter((p) => own.has(p.role)).reduce((s, p) => s + p.cpuSeconds, 0);
    const proxyCpuSeconds = processes.filter((p) => p.role === 'haproxy').reduce((s, p) => s + p.cpuSeconds, 0);
    const servicesCpuSeconds = processes.filter((p) => services.has(p.role)).reduce((s, p) => s + p.cpuSeconds, 0);
    const messagesIn = edgeIds.map((id) => (processAfter.get(id)?.get('gateway_messages_in_total') ?? 0) - (processBefore.get(id)?.get('gateway_messages_in_total') ?? 0));
    const verdict = verdictOf({ ledger: summary, clients: clientStats, posts, messagesIn });
    const result: RunResult = {
      label,
      system: o.system,
      gateways: o.gateways,
      workers: o.workers,
      clients: { ...clientStats, ...kinds, viaHaproxy },
      target: { deliveriesPerSecond: o.deliveriesPerSecond, postsPerSecond, seconds: o.seconds },
      posts,
      ledger: summary,
      messagesIn,
      verdict,
      edge,
      hops,
      knee,
      stalls,
      redisCommands,
      processes,
      systemCpuSeconds,
      proxyCpuSeconds,
      servicesCpuSeconds,
      cpuMsPerDelivery: (systemCpuSeconds * 1000) / Math.max(1, summary.delivered),
      cpuMsPerDeliveryWithServices: ((systemCpuSeconds + servicesCpuSeconds) * 1000) / Math.max(1, summary.delivered),
      memoryPerConnectionKb,
      cpuSeries: sampler.series,
      latencySample: ledger.latencySample(),
    };
    log(
      `  ${mark(verdict)} ${label}: ${summary.delivered}/${summary.expected} delivered, ${summary.deliveriesPerSecond.toFixed(0)}/s, p50 ${summary.latencyMs.p50.toFixed(1)} p99 ${summary.latencyMs.p99.toFixed(1)} max ${summary.latencyMs.max.toFixed(0)} ms, lost ${summary.lost}, dup ${summary.duplicated}` +
        ` (p99 ordinary ${summary.byAuthor.ordinary.p99.toFixed(1)}, celebrity ${summary.byAuthor.celebrity.p99.toFixed(1)} ms;` +
        ` ${Object.entries(summary.byPath)
          .map(([path, s]) => `${path} p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)}`)
          .join(', ')})` +
        `, out-of-order ${summary.outOfOrder}, CPU ${result.cpuMsPerDelivery.toFixed(3)} ms/delivery` +
        (edge.lagToSocketMs.count ? `; at the gateways: ${edge.gapFills} gap fills, sessions closed ${JSON.stringify(edge.closes)}, lag to the socket write p50 ≤ ${edge.lagToSocketMs.p50} p99 ≤ ${edge.lagToSocketMs.p99} ms` : ''),
    );
    log(`    hops: ${hopLine(hops, summary.latencyMs)}`);
    log(
      `    stalls: ${Object.entries(stalls)
        .map(([name, s]) => `${name} loop max ${s.eventLoopDelayMaxMs.toFixed(0)} ms, GC ${s.gcMs.toFixed(0)} ms (${s.majorGcs} major, ${s.majorGcMs.toFixed(0)} ms)`)
        .join('; ')}`,
    );
    log(`    redis time (scripts include the commands they run): ${redisCommands.map((c) => `${c.command} ${c.seconds.toFixed(2)} s / ${c.calls} calls`).join(', ')}`);
    return result;
  } finally {
    await clients?.stop();
    await stack.close();
  }
}

/** The named processes' samples added up (the edge nodes' counters, say). */
function sumOf(byProcess: Map<string, Map<string, number>>, names: string[]): Map<string, number> {
  const all = new Map<string, number>();
  for (const name of names) for (const [k, v] of byProcess.get(name) ?? []) all.set(k, (all.get(k) ?? 0) + v);
  return all;
}

async function writeCelebrityFollows(redisUrl: string, clusterNodes: string, prefix: string, graph: Graph, users: number[]): Promise<void> {
  const redis = connectRedis({ url: redisUrl, clusterNodes }, () => {});
  try {
    const cache = createCache(redis, { prefix });
    const follows = new Map<number, string[]>(users.map((u) => [u, []]));
    for (const c of graph.celebrities) for (const f of graph.followersOf.get(c)!) follows.get(f)?.push(String(c));
    const entries = [...follows];
    for (let i = 0; i < entries.length; i += 500) {
      await Promise.all(entries.slice(i, i + 500).map(([u, cs]) => cache.celebrityFollows.replace(String(u), cs)));
    }
  } finally {
    await redis.quit();
  }
}

async function waitDrained(backlog: () => Promise<number>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await backlog()) === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
