import { describe, expect, it } from 'vitest';
import { Staggered } from '../src/staggered.ts';

function run<T>(staggered: Staggered<T>, ticks: number, log: T[][], current: { tick: T[] }): void {
  for (let i = 0; i < ticks; i++) {
    staggered.tick();
    log.push(current.tick);
    current.tick = [];
  }
}

describe('staggered visits', () => {
  it('visits every member once per period, a slice per tick', () => {
    const members = new Set(Array.from({ length: 100 }, (_, i) => i));
    const current = { tick: [] as number[] };
    const log: number[][] = [];
    const staggered = new Staggered(members, 1_000, (m) => current.tick.push(m), 100);
    run(staggered, 10, log, current);
    expect(log.map((v) => v.length)).toEqual(Array(10).fill(10));
    expect(log.flat().sort((a, b) => a - b)).toEqual([...members]);
    run(staggered, 1, log, current);
    expect(log.at(-1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // the next round starts over
  });

  it('visits a lone member once per period, not on every tick', () => {
    const current = { tick: [] as string[] };
    const log: string[][] = [];
    const staggered = new Staggered(new Set(['only']), 25_000, (m) => current.tick.push(m), 100);
    run(staggered, 750, log, current);
    const at = log.flatMap((v, i) => (v.length ? [i] : []));
    expect(at).toEqual([249, 499, 749]);
  });

  it('skips members removed mid-round and reaches members added during it', () => {
    const members = new Set([1, 2, 3, 4]);
    const seen: number[] = [];
    const staggered = new Staggered(members, 400, (m) => seen.push(m), 100);
    staggered.tick();
    members.delete(2);
    members.add(5);
    for (let i = 0; i < 3; i++) staggered.tick();
    expect(seen).toEqual([1, 3, 4, 5]);
  });
});
