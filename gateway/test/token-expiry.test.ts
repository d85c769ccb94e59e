import { describe, expect, it } from 'vitest';
import { TokenExpiry } from '../src/token-expiry.ts';

describe('token expiry', () => {
  it('expires each session once its second has passed, and never one removed before', () => {
    const expired: string[] = [];
    const expiry = new TokenExpiry<string>((s) => expired.push(s));
    expiry.add('a', 100);
    expiry.add('b', 100.7);
    expiry.add('c', 102);
    expiry.add('gone', 101);
    expiry.remove('gone');
    expiry.sweep(99_999);
    expect(expired).toEqual([]);
    expiry.sweep(100_000);
    expect(expired).toEqual(['a', 'b']);
    expiry.sweep(101_500);
    expect(expired).toEqual(['a', 'b']);
    expiry.sweep(103_000);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(expiry.size).toBe(0);
  });

  it('expires a token that had already run out at the next sweep, and one far in the future only then', () => {
    const expired: string[] = [];
    const expiry = new TokenExpiry<string>((s) => expired.push(s));
    const now = 1_800_000_000_000;
    expiry.add('late', now / 1000 - 5);
    expiry.add('in 40 days', now / 1000 + 40 * 86_400);
    expiry.sweep(now);
    expect(expired).toEqual(['late']);
    expiry.sweep(now + 39 * 86_400_000);
    expect(expired).toEqual(['late']);
    expiry.sweep(now + 40 * 86_400_000);
    expect(expired).toEqual(['late', 'in 40 days']);
  });
});
