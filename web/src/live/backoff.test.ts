import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling, backoffDelay } from './backoff.ts';

describe('backoff with full jitter', () => {
  it('doubles the window each attempt up to the cap', () => {
    const opts = { baseMs: 500, capMs: 30_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffCeiling(a, opts))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('draws uniformly from [0, ceiling)', () => {
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000 }, () => 0.5)).toBe(400);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000 }, () => 0.999999)).toBe(799);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(10);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(30_000);
    }
  });

  it('spreads clients: many delays for one attempt are not all alike', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('widens with each failure and starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1_000 }, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(50);
  });
});
