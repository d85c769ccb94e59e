// A chaos run as a function: one stack under steady load, the chosen faults one after the
// other with recovery in between, then the ledger per fault. main.ts (npm run chaos) and
// test/chaos/chaos.test.ts (the short form) both call it.
import { now } from '../clock.ts';
import { FAULTS, finish, runFault, type FaultResult } from './faults.ts';
import { startHarness, type LoadSettings } from './harness.ts';
import type { LedgerCounts } from '../ledger.ts';

export interface ChaosOptions extends Omit<LoadSettings, 'log'> {
  faults: string[];
  baselineMs: number;
  afterMs: number;
}

export interface ChaosResult {
  startedAt: string;
  options: Omit<ChaosOptions, 'adminUrl'>;
  results: FaultResult[];
  totals: LedgerCounts;
  orphans: number;
  posts: { sent: number; failed: number; errors: Record<string, number> };
  crashes: string[];
  stillOwed: [number, number, number, number[]][];
  samples: { duplicates: unknown[]; outOfOrder: unknown[]; unexpected: unknown[] };
}

export async function runChaos(o: ChaosOptions, log: (line: string) => void): Promise<ChaosResult> {
  for (const f of o.faults) if (!FAULTS[f]) throw new Error(`unknown fault ${f}: one of ${Object.keys(FAULTS).join(', ')}`);
  const redis = o.redis ?? 'single';
  for (const f of o.faults) {
    if ((FAULTS[f]!.needs ?? 'single') !== redis) throw new Error(`fault ${f} needs a stack on ${FAULTS[f]!.needs ?? 'a single redis-server'}, this one runs on ${redis}`);
  }
  const startedAt = new Date().toISOString();
  const h = await startHarness({ ...o, log });
  try {
    const t0 = now();
    const results: FaultResult[] = [];
    for (const id of o.faults) results.push(await runFault(h, FAULTS[id]!, { baselineMs: o.baselineMs, afterMs: o.afterMs, t0, log }));
    await h.stopPosting();
    const owed = await h.waitSettled(30_000);
    // Late duplicates would come right after.
    await new Promise((r) => setTimeout(r, 1000));
    finish(h, results, t0);
    const totals = h.ledger.counts();
    for (const r of results) {
      const c = r.counts!;
      log(
        `  ${r.id}: ${c.posts} posts, ${c.delivered}/${c.expected} delivered (${c.deliveredViaFeed} via the re-fetched feed), lost ${c.lost}, dup ${c.duplicated}, out-of-order ${c.outOfOrder}, unexpected ${c.unexpected}; p99 ${c.latencyMs.p99.toFixed(0)} max ${c.latencyMs.max.toFixed(0)} ms; deliveries late (>1 s) until ${(r.deliveryRecoveredAfterMs / 1000).toFixed(1)} s after the fault`,
      );
    }
    const stillOwed = h.ledger.owed(10);
    if (owed > 0) log(`  ✗ still owed: ${JSON.stringify(stillOwed)}`);
    return {
      startedAt,
      options: { ...o, adminUrl: undefined } as Omit<ChaosOptions, 'adminUrl'>,
      results,
      totals,
      orphans: h.ledger.orphans,
      posts: { sent: h.postStats.sent, failed: h.postStats.failed, errors: Object.fromEntries(h.postStats.errors) },
      crashes: h.stack.crashes(),
      stillOwed,
      samples: { duplicates: h.ledger.duplicates.slice(0, 10), outOfOrder: h.ledger.outOfOrders.slice(0, 10), unexpected: h.ledger.unexpecteds.slice(0, 10) },
    };
  } finally {
    await h.close();
  }
}
