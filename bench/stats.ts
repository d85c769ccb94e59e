// Latency statistics shared by the benchmarks.

export interface Stats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  perSecond: number;
}

/** Percentiles by the nearest-rank method, and the rate over `wallMs`. */
export function stats(latencies: readonly number[], wallMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return {
    count: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.at(-1)!,
    mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
    perSecond: (sorted.length / wallMs) * 1000,
  };
}
