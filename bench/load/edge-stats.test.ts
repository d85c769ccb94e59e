import { describe, expect, it } from 'vitest';
import { edgeStats, hopLine, hopStats, processStalls, tailHop } from './edge-stats.ts';

const LAG = 'gateway_delivery_lag_seconds_bucket';
const page = (gapFills: number, counts: [string, number][]) => new Map<string, number>([['gateway_gap_fills_total', gapFills], ...counts.map(([le, n]) => [`${LAG}{le="${le}"}`, n] as [string, number])]);

describe('edge stats', () => {
  it('takes the run as the difference of two scrapes and reads percentiles off the buckets', () => {
    const before = page(3, [
      ['0.005', 10],
      ['0.01', 10],
      ['0.05', 10],
      ['+Inf', 10],
    ]);
    const after = page(5, [
      ['0.005', 60],
      ['0.01', 100],
      ['0.05', 109],
      ['+Inf', 110],
    ]);
    expect(edgeStats(before, after)).toEqual({ gapFills: 2, closes: {}, lagToSocketMs: { p50: 5, p99: 50, count: 100 } });
  });

  it('says nothing about latency when nothing was delivered, and counts a tail past the last bound as infinite', () => {
    expect(edgeStats(new Map(), new Map()).lagToSocketMs).toEqual({ p50: null, p99: null, count: 0 });
    expect(
      edgeStats(
        new Map(),
        page(0, [
          ['0.005', 0],
          ['+Inf', 10],
        ]),
      ).lagToSocketMs.p99,
    ).toBe(Infinity);
  });

  it("reports a process's longest event-loop delay and its garbage collection during the run", () => {
    const before = new Map([
      ['nodejs_gc_duration_seconds_sum{kind="major"}', 1],
      ['nodejs_gc_duration_seconds_sum{kind="minor"}', 2],
      ['nodejs_gc_duration_seconds_count{kind="major"}', 4],
    ]);
    const after = new Map([
      ['nodejs_gc_duration_seconds_sum{kind="major"}', 1.25],
      ['nodejs_gc_duration_seconds_sum{kind="minor"}', 2.5],
      ['nodejs_gc_duration_seconds_count{kind="major"}', 6],
      ['nodejs_eventloop_lag_max_seconds', 0.3],
    ]);
    expect(processStalls(before, after)).toEqual({ eventLoopDelayMaxMs: 300, gcMs: 750, majorGcMs: 250, majorGcs: 2 });
  });
});

describe('pipeline hops', () => {
  const hop = (name: string, counts: [string, number][]) => counts.map(([le, n]) => [`feed_pipeline_age_seconds_bucket{hop="${name}",le="${le}"}`, n] as [string, number]);
  it('reads each hop off the age histograms and names the hop where the p99 grows most', () => {
    const after = new Map<string, number>([
      ...hop('relay published', [
        ['0.001', 90],
        ['0.002', 100],
        ['+Inf', 100],
      ]),
      ...hop('worker consumed', [
        ['0.002', 50],
        ['0.003', 100],
        ['+Inf', 100],
      ]),
      ...[
        ['0.005', 50],
        ['0.1', 98],
        ['0.2', 100],
        ['+Inf', 100],
      ].map(([le, n]) => [`${LAG}{le="${le}"}`, n] as [string, number]),
    ]);
    const hops = hopStats(new Map(), after);
    expect(hops.find((h) => h.hop === 'relay published')).toEqual({ hop: 'relay published', count: 100, p50: 1, p99: 2 });
    expect(hops.find((h) => h.hop === 'redis written')).toEqual({ hop: 'redis written', count: 0, p50: null, p99: null });
    expect(hops.find((h) => h.hop === 'socket written')?.p99).toBe(200);
    expect(tailHop(hops)).toEqual({ hop: 'socket written', addsMs: 197 });
    // The clients' receipt is the last hop: here it adds more than the socket write did.
    expect(tailHop(hops, { p50: 20, p99: 420.5 })).toEqual({ hop: 'client received', addsMs: 221 });
    expect(hopLine(hops, { p50: 20, p99: 420.5 })).toMatch(/socket written 5\/200 → client received 20\/421; the tail builds at "client received" \(\+221 ms at p99\)$/);
  });
});
