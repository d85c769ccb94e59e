// Stream id order without BigInt, checked against BigInt arithmetic on ids of every shape a
// log or a client produces: equal and different millisecond parts, long sequence numbers,
// leading zeros, a missing sequence part.
import { describe, expect, it } from 'vitest';
import { compareStreamIds } from '../src/index.ts';

function reference(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm) || BigInt(as) - BigInt(bs);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

const digits = (max: number) => String(Math.floor(Math.random() * max));
const ids = ['0-0', '0', '1-0', '1700000000000-0', '1700000000000-9', '1700000000000-10', '1700000000001-0', '999-18446744073709551615', '1000-0', '007-01', '7-1'];

describe('compareStreamIds', () => {
  it('orders known ids as their numbers do', () => {
    for (const a of ids) for (const b of ids) expect(compareStreamIds(a, b), `${a} vs ${b}`).toBe(reference(a, b));
  });

  it('agrees with BigInt on random ids', () => {
    for (let i = 0; i < 5_000; i++) {
      const ms = digits(1e13);
      const a = `${Math.random() < 0.5 ? ms : digits(1e13)}-${digits(Math.random() < 0.5 ? 10 : 1e6)}`;
      const b = `${Math.random() < 0.5 ? ms : digits(1e13)}-${digits(Math.random() < 0.5 ? 10 : 1e6)}`;
      expect(compareStreamIds(a, b), `${a} vs ${b}`).toBe(reference(a, b));
    }
  });
});
