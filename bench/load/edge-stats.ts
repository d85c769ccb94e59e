// What the edge nodes say about a run, from their Prometheus counters before and after it:
// gap fills (live events that overtook another) and the lag from post creation to the socket
// write, as bucket bounds. Set beside the ledger's end-to-end latency, this splits a delivery's
// time into "until the gateway wrote it" and "until the client's event loop read it".

export interface EdgeStats {
  gapFills: number;
  /** Upper bounds of the histogram buckets holding the 50th and 99th percentiles (ms). */
  lagToSocketMs: { p50: number | null; p99: number | null; count: number };
}

const LAG = 'gateway_delivery_lag_seconds_bucket';

export function edgeStats(before: Map<string, number>, after: Map<string, number>): EdgeStats {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const buckets = [...after.keys()]
    .filter((k) => k.startsWith(`${LAG}{`))
    .map((k) => ({ le: Number(k.slice(LAG.length + 1, -1)), count: delta(k) }))
    .sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  const bound = (q: number) => {
    if (count === 0) return null;
    const hit = buckets.find((b) => b.count >= q * count)!;
    return Number.isFinite(hit.le) ? hit.le * 1000 : Infinity;
  };
  return { gapFills: delta('gateway_gap_fills_total'), lagToSocketMs: { p50: bound(0.5), p99: bound(0.99), count } };
}
