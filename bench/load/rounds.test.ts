import { describe, expect, it } from 'vitest';
import { roundOrder, summarize } from './rounds.ts';
import type { RunResult } from './run.ts';
import type { System } from './stack.ts';

/** The fields of a run the summary reads; the rest of a RunResult does not take part. */
function run(system: System, p99: number, cpu: number, withServices: number, ok = true): RunResult {
  const fields = {
    system,
    ledger: { deliveriesPerSecond: 1000, latencyMs: { p99 } },
    cpuMsPerDelivery: cpu,
    cpuMsPerDeliveryWithServices: withServices,
    messagesIn: [10, 10],
    verdict: ok ? { ok: true, problems: [] } : { ok: false, problems: ['lost 1 of 100'] },
  };
  return fields as unknown as RunResult;
}

describe('rounds of the side-by-side comparison', () => {
  it('rotates which system runs first, so each takes every place in turn', () => {
    const systems = ['ours', 'broadcast', 'socketio'];
    expect([1, 2, 3, 4].map((r) => roundOrder(systems, r))).toEqual([
      ['ours', 'broadcast', 'socketio'],
      ['broadcast', 'socketio', 'ours'],
      ['socketio', 'ours', 'broadcast'],
      ['ours', 'broadcast', 'socketio'],
    ]);
    expect(roundOrder([], 2)).toEqual([]);
  });

  it('summarizes each system by the median of its rounds, keeping every round and its verdict', () => {
    const runs = [run('ours', 100, 0.3, 0.4), run('socketio', 90, 0.32, 0.41), run('socketio', 130, 0.3, 0.39), run('ours', 120, 0.2, 0.3), run('ours', 300, 0.25, 0.35), run('socketio', 110, 0.31, 0.4, false)];
    const [ours, socketio] = summarize(runs, (r) => r.messagesIn[0]! / 10);
    expect(ours).toMatchObject({ system: 'ours', ok: true, rounds: 3, p99: { median: 120, each: [100, 120, 300] }, cpuMsPerDelivery: { median: 0.25 }, cpuMsPerDeliveryWithServices: { median: 0.35 }, inboundPerPost: 1 });
    expect(socketio).toMatchObject({ system: 'socketio', ok: false, problems: ['lost 1 of 100'], p99: { median: 110, each: [90, 130, 110] } });
  });
});
