// Whether a run's figures can be read at all. Every owed delivery must arrive exactly once, in
// each author's order, and nothing else may arrive; a system that delivered nothing is a broken
// instrument (its wiring to the stack, not its design, is what the run measured), never a result.
import type { LedgerSummary } from '../ledger.ts';

export interface Verdict {
  ok: boolean;
  /** Why not, in words; empty when ok. */
  problems: string[];
}

export interface VerdictInput {
  ledger: Pick<LedgerSummary, 'posts' | 'expected' | 'delivered' | 'lost' | 'duplicated' | 'unexpected' | 'orphans' | 'outOfOrder'> & Partial<Pick<LedgerSummary, 'duplicatedByAuthor'>>;
  clients: { connected: number; failed: number };
  posts: { failed: number };
  /** Messages consumed per edge node during the window. */
  messagesIn: number[];
}

export function verdictOf(r: VerdictInput): Verdict {
  const problems: string[] = [];
  const l = r.ledger;
  if (l.posts === 0 || l.expected === 0) problems.push('broken instrument: no post owed any delivery');
  else if (l.delivered === 0) problems.push(`broken instrument: delivered 0 of ${l.expected}`);
  else if (l.lost > 0) problems.push(`lost ${l.lost} of ${l.expected}`);
  if (l.duplicated > 0) problems.push(`${l.duplicated} duplicated${l.duplicatedByAuthor ? ` (${l.duplicatedByAuthor.celebrity} of celebrity posts)` : ''}`);
  // Receipts of posts never registered are unexpected too (no failed POST here is meant to deliver).
  if (l.unexpected + l.orphans > 0) problems.push(`${l.unexpected + l.orphans} unexpected`);
  if (l.outOfOrder > 0) problems.push(`${l.outOfOrder} out of order`);
  if (r.clients.failed > 0) problems.push(`${r.clients.failed} clients failed to connect`);
  if (r.posts.failed > 0) problems.push(`${r.posts.failed} posts failed`);
  const idle = r.messagesIn.flatMap((n, i) => (n > 0 ? [] : [`g${i + 1}`]));
  if (l.delivered > 0 && idle.length > 0) problems.push(`edge node ${idle.join(', ')} consumed no messages`);
  return { ok: problems.length === 0, problems };
}

/** ✓ or ✗ with the reasons, for a run's line. */
export const mark = (v: Verdict): string => (v.ok ? '✓' : `✗ (${v.problems.join('; ')})`);
