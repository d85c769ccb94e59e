// What the edge nodes say about a run, from their Prometheus counters before and after it:
// gap fills (live events that overtook another) and the lag from post creation to the socket
// write, as bucket bounds. Set beside the ledger's end-to-end latency, this splits a delivery's
// time into "until the gateway wrote it" and "until the client's event loop read it"; and
// how old events were as they left each hop of the pipeline, which says where the tail builds.
import { PIPELINE_HOPS, type PipelineHop } from '@feed/contracts';

export interface EdgeStats {
  gapFills: number;
  /** Sessions the edge nodes closed during the run, by reason (slow, revoked, expired, …). */
  closes: Record<string, number>;
  /** Upper bounds of the histogram buckets holding the 50th and 99th percentiles (ms). */
  lagToSocketMs: { p50: number | null; p99: number | null; count: number };
}

const LAG = 'gateway_delivery_lag_seconds_bucket';

/**
 * One histogram's observations between two scrapes (its bucket series picked by `isBucket`):
 * how many, and the upper bound (ms) of the bucket that holds a quantile, null when empty.
 */
function histogramOver(before: Map<string, number>, after: Map<string, number>, isBucket: (key: string) => boolean): { count: number; bound: (q: number) => number | null } {
  const buckets = [...after.keys()]
    .filter(isBucket)
    .map((k) => ({ le: Number(/le="([^"]+)"/.exec(k)?.[1]), count: (after.get(k) ?? 0) - (before.get(k) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  const bound = (q: number) => {
    if (count === 0) return null;
    const hit = buckets.find((b) => b.count >= q * count)!;
    return Number.isFinite(hit.le) ? hit.le * 1000 : Infinity;
  };
  return { count, bound };
}

export function edgeStats(before: Map<string, number>, after: Map<string, number>): EdgeStats {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const { count, bound } = histogramOver(before, after, (k) => k.startsWith(`${LAG}{`));
  const closes: Record<string, number> = {};
  for (const key of after.keys()) {
    const reason = /^gateway_closes_total\{reason="([^"]+)"\}$/.exec(key)?.[1];
    if (reason && delta(key) > 0) closes[reason] = delta(key);
  }
  return { gapFills: delta('gateway_gap_fills_total'), closes, lagToSocketMs: { p50: bound(0.5), p99: bound(0.99), count } };
}

/** Pauses of one Node process during the run: the longest event-loop delay and its GC time. */
export interface ProcessStalls {
  /** Longest event-loop delay seen since the scrape before the run (prom-client resets it per scrape). */
  eventLoopDelayMaxMs: number;
  gcMs: number;
  majorGcMs: number;
  majorGcs: number;
}

export function processStalls(before: Map<string, number>, after: Map<string, number>): ProcessStalls {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  let gcSeconds = 0;
  for (const key of after.keys()) if (key.startsWith('nodejs_gc_duration_seconds_sum')) gcSeconds += delta(key);
  return {
    eventLoopDelayMaxMs: (after.get('nodejs_eventloop_lag_max_seconds') ?? 0) * 1000,
    gcMs: gcSeconds * 1000,
    majorGcMs: delta('nodejs_gc_duration_seconds_sum{kind="major"}') * 1000,
    majorGcs: delta('nodejs_gc_duration_seconds_count{kind="major"}'),
  };
}

/** One hop of the pipeline over a run: how old events were as they left it (bucket bounds, ms). */
export interface HopStats {
  hop: PipelineHop;
  count: number;
  p50: number | null;
  p99: number | null;
}

const AGE = 'feed_pipeline_age_seconds_bucket';

/**
 * Every hop's age histogram over the run, from all processes' scrapes added up (core's relay,
 * the workers, the gateways); the socket write is the gateways' delivery-lag histogram.
 */
export function hopStats(before: Map<string, number>, after: Map<string, number>): HopStats[] {
  return PIPELINE_HOPS.map((hop) => {
    const { count, bound } = histogramOver(before, after, (k) => (hop === 'socket written' ? k.startsWith(`${LAG}{`) : k.startsWith(`${AGE}{`) && k.includes(`hop="${hop}"`)));
    return { hop, count, p50: bound(0.5), p99: bound(0.99) };
  });
}

/**
 * The clients' receipt, the ledger's latency, as the hop after the socket write: it is timed in
 * the client processes, from just before the POST was sent (a little before `createdAt`).
 */
export const CLIENT_HOP = 'client received' as const;
export interface Receipt {
  p50: number;
  p99: number;
}
type Hop = PipelineHop | typeof CLIENT_HOP;

/** The hop whose p99 grows most over the one before it (the first over the commit itself). */
export function tailHop(hops: readonly HopStats[], received?: Receipt): { hop: Hop; addsMs: number } | undefined {
  let best: { hop: Hop; addsMs: number } | undefined;
  let previous = 0;
  const all: { hop: Hop; p99: number | null }[] = [...hops, ...(received ? [{ hop: CLIENT_HOP, p99: Math.ceil(received.p99) }] : [])];
  for (const h of all) {
    if (h.p99 === null) continue;
    const adds = h.p99 - previous;
    if (!best || adds > best.addsMs) best = { hop: h.hop, addsMs: adds };
    previous = h.p99;
  }
  return best;
}

/** "post committed 2/5 → … ms", for a run's log line; the clients' receipt last, when given. */
export function hopLine(hops: readonly HopStats[], received?: Receipt): string {
  const shown = hops.filter((h) => h.count > 0);
  if (shown.length === 0) return 'no hop timings (this system does not record them)';
  const tail = tailHop(shown, received);
  const client = received ? ` → ${CLIENT_HOP} ${Math.ceil(received.p50)}/${Math.ceil(received.p99)}` : '';
  return `event age since createdAt, p50/p99 ≤ ms: ${shown.map((h) => `${h.hop} ${h.p50}/${h.p99}`).join(' → ')}${client}${tail ? `; the tail builds at "${tail.hop}" (+${tail.addsMs} ms at p99)` : ''}`;
}
