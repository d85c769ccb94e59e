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

/**
 * The p-quantile (0–1) of values sorted ascending, by the nearest-rank method (the smallest value
 * with at least p of all values at or below it); NaN when there are none. Every benchmark's
 * percentiles come from here.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The middle value of values in any order, the mean of the two middle ones for an even count; NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-quantile of values in any order (see nearestRank). */
export function quantile(values: readonly number[], p: number): number {
  return nearestRank(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** Percentiles by the nearest-rank method, and the rate over `wallMs`. */
export function stats(latencies: readonly number[], wallMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => nearestRank(sorted, q);
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
