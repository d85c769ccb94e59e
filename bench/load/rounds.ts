// Repeated rounds of the side-by-side comparison. The machine's speed drifts over minutes (the
// same code's p99 and CPU per delivery move by a fifth between consecutive runs), and systems
// run one after another, so one run of each can favour whichever ran in a fast minute. With
// --rounds N each round runs every system, in an order that rotates from round to round, and
// the ratios are taken between the systems' medians over the rounds.
import { median } from '../stats.ts';
import type { RunResult } from './run.ts';
import type { System } from './stack.ts';

/** The systems in the order they run in `round` (1-based): round r starts r - 1 places along. */
export function roundOrder<T>(systems: readonly T[], round: number): T[] {
  const n = systems.length;
  if (n === 0) return [];
  const start = (((round - 1) % n) + n) % n;
  return [...systems.slice(start), ...systems.slice(0, start)];
}

/** What a system's runs add up to: each figure the ratios read, per round and as the median. */
export interface SystemSummary {
  system: System;
  /** Every run of the system read cleanly (its verdict ✓); otherwise the figures are not read. */
  ok: boolean;
  problems: string[];
  rounds: number;
  deliveriesPerSecond: number;
  p99: { median: number; each: number[] };
  cpuMsPerDelivery: { median: number; each: number[] };
  cpuMsPerDeliveryWithServices: { median: number; each: number[] };
  inboundPerPost: number;
}

const spread = (xs: number[]) => ({ median: median(xs), each: xs });

/** Per system, in the order each first ran: medians over its runs. */
export function summarize(runs: readonly RunResult[], inboundPerPost: (r: RunResult) => number): SystemSummary[] {
  const bySystem = new Map<System, RunResult[]>();
  for (const r of runs) {
    const list = bySystem.get(r.system) ?? [];
    list.push(r);
    bySystem.set(r.system, list);
  }
  return [...bySystem].map(([system, rs]) => ({
    system,
    ok: rs.every((r) => r.verdict.ok),
    problems: rs.flatMap((r) => r.verdict.problems),
    rounds: rs.length,
    deliveriesPerSecond: median(rs.map((r) => r.ledger.deliveriesPerSecond)),
    p99: spread(rs.map((r) => r.ledger.latencyMs.p99)),
    cpuMsPerDelivery: spread(rs.map((r) => r.cpuMsPerDelivery)),
    cpuMsPerDeliveryWithServices: spread(rs.map((r) => r.cpuMsPerDeliveryWithServices)),
    inboundPerPost: median(rs.map(inboundPerPost)),
  }));
}
