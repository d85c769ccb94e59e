import { describe, expect, it } from 'vitest';
import { verdictOf } from './verdict.ts';

const run = (ledger: Partial<Parameters<typeof verdictOf>[0]['ledger']>, messagesIn = [5, 5]) =>
  verdictOf({
    ledger: { posts: 10, expected: 100, delivered: 100, lost: 0, duplicated: 0, unexpected: 0, orphans: 0, outOfOrder: 0, ...ledger },
    clients: { connected: 10, failed: 0 },
    posts: { failed: 0 },
    messagesIn,
  });

describe('run verdict', () => {
  it('passes a run that delivered everything exactly once in order', () => {
    expect(run({})).toEqual({ ok: true, problems: [] });
  });

  it('fails a run that lost, duplicated or reordered any delivery', () => {
    expect(run({ delivered: 99, lost: 1 }).problems).toEqual(['lost 1 of 100']);
    expect(run({ duplicated: 2 }).ok).toBe(false);
    expect(run({ outOfOrder: 1 }).problems).toEqual(['1 out of order']);
    expect(run({ unexpected: 1 }).ok).toBe(false);
    expect(run({ unexpected: 1, orphans: 2 }).problems).toEqual(['3 unexpected']);
  });

  it('calls a system that delivered nothing a broken instrument, not a result', () => {
    expect(run({ delivered: 0, lost: 100 }, [0, 0]).problems).toEqual(['broken instrument: delivered 0 of 100']);
    expect(run({ posts: 0, expected: 0, delivered: 0 }).problems[0]).toMatch(/broken instrument/);
  });

  it('names an edge node that consumed nothing while others delivered', () => {
    expect(run({}, [7, 0]).problems).toEqual(['edge node g2 consumed no messages']);
  });
});
