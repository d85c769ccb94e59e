import { describe, expect, it } from 'vitest';
import { edgeStats, processStalls } from './edge-stats.ts';

const LAG = 'gateway_delivery_lag_seconds_bucket';
const page = (gapFills: number, counts: [string, number][]) => new Map<string, number>([['gateway_gap_fills_total', gapFills], ...counts.map(([le, n]) => [`${LAG}{le="${le}"}`, n] as [string, number])]);

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

  it("reports a process's longest event-loop delay and its garbage collection during the run", () => {
    const before = new Map([['nodejs_gc_duration_seconds_sum{kind="major"}', 1], ['nodejs_gc_duration_seconds_sum{kind="minor"}', 2], ['nodejs_gc_duration_seconds_count{kind="major"}', 4]]);
    const after = new Map([['nodejs_gc_duration_seconds_sum{kind="major"}', 1.25], ['nodejs_gc_duration_seconds_sum{kind="minor"}', 2.5], ['nodejs_gc_duration_seconds_count{kind="major"}', 6], ['nodejs_eventloop_lag_max_seconds', 0.3]]);
    expect(processStalls(before, after)).toEqual({ eventLoopDelayMaxMs: 300, gcMs: 750, majorGcMs: 250, majorGcs: 2 });
  });
});
