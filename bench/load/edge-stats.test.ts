import { describe, expect, it } from 'vitest';
import { edgeStats } from './edge-stats.ts';

const LAG = 'gateway_delivery_lag_seconds_bucket';
const page = (gapFills: number, counts: [string, number][]) => new Map<string, number>([['gateway_gap_fills_total', gapFills], ...counts.map(([le, n]) => [`${LAG}{${le}}`, n] as [string, number])]);

describe('edge stats', () => {
  it('takes the run as the difference of two scrapes and reads percentiles off the buckets', () => {
    const before = page(3, [['0.005', 10], ['0.01', 10], ['0.05', 10], ['+Inf', 10]]);
    const after = page(5, [['0.005', 60], ['0.01', 100], ['0.05', 109], ['+Inf', 110]]);
    expect(edgeStats(before, after)).toEqual({ gapFills: 2, lagToSocketMs: { p50: 5, p99: 50, count: 100 } });
  });

  it('says nothing about latency when nothing was delivered, and counts a tail past the last bound as infinite', () => {
    expect(edgeStats(new Map(), new Map()).lagToSocketMs).toEqual({ p50: null, p99: null, count: 0 });
    expect(edgeStats(new Map(), page(0, [['0.005', 0], ['+Inf', 10]])).lagToSocketMs.p99).toBe(Infinity);
  });
});
