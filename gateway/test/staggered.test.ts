import { describe, expect, it } from 'vitest';
import { Staggered, StaggeredSlices } from '../src/staggered.ts';

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

describe('staggered slices', () => {
  it('hands each tick its owed members together, every member once per period', async () => {
    const members = new Map(Array.from({ length: 100 }, (_, i) => [i, `user ${i}`]));
    const slices: number[][] = [];
    const rounds = new StaggeredSlices(members, 1_000, async (slice) => void slices.push(slice), 100);
    for (let i = 0; i < 10; i++) await rounds.tick();
    expect(slices.map((s) => s.length)).toEqual(Array(10).fill(10));
    expect(slices.flat().sort((a, b) => a - b)).toEqual([...members.keys()]);
  });

  it('skips ticks while a slice is in flight, so slow replies do not pile up', async () => {
    const members = new Set(Array.from({ length: 100 }, (_, i) => i));
    const slices: number[][] = [];
    let release: () => void = () => {};
    const rounds = new StaggeredSlices(
      members,
      1_000,
      (slice) => {
        slices.push(slice);
        return new Promise<void>((resolve) => (release = resolve));
      },
      100,
    );
    const first = rounds.tick();
    for (let i = 0; i < 5; i++) await rounds.tick(); // in flight: nothing owed, nothing sent
    expect(slices).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    release();
    await first;
    const second = rounds.tick();
    release();
    await second;
    expect(slices[1]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]); // the round goes on where it stopped
  });
});
