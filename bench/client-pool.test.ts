// The forked-client pool with a client module of names: it spreads connections over its
// processes, reports which failed and why, delivers every batch (all of them by flush and by
// close), counts connections lost by themselves, and leaves no process behind.
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from './client-pool.ts';
import type { PoolSpec, poolClients } from './test/pool-clients.ts';

const MODULE = new URL('./test/pool-clients.ts', import.meta.url);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let pool: ClientPool<typeof poolClients> | undefined;
afterEach(async () => {
  await pool?.stop();
  pool = undefined;
});

describe('client pool', () => {
  it('spreads connections over its processes, reports the failed ones, and delivers what they gather', { timeout: 60_000 }, async () => {
    const got: string[] = [];
    pool = new ClientPool<typeof poolClients>(MODULE, { processes: 3, settings: { prefix: 'c-' }, onBatch: (batch) => got.push(...batch) });
    const specs: PoolSpec[] = Array.from({ length: 12 }, (_, i) => ({ name: String(i), fails: i === 4 || i === 7 }));
    const opened = await pool.open(specs, { concurrency: 2 });
    expect(opened.opened).toBe(10);
    expect(opened.failed.map((s) => s.name).sort()).toEqual(['4', '7']);
    expect(opened.errors.map((e) => [e.spec.name, e.message]).sort()).toEqual([
      ['4', '4 refused'],
      ['7', '7 refused'],
    ]);
    await pool.flush();
    const where = new Map(got.map((g) => g.split('@') as [string, string]));
    expect([...where.keys()].sort()).toEqual(
      specs
        .filter((s) => !s.fails)
        .map((s) => `c-${s.name}`)
        .sort(),
    );
    // Spec i in process i mod 3.
    const pids = pool.pids.map(String);
    for (const s of specs.filter((s) => !s.fails)) expect(where.get(`c-${s.name}`)).toBe(pids[Number(s.name) % 3]);
  });

  it('counts connections that ended by themselves, closes the rest, and can open again', { timeout: 60_000 }, async () => {
    const got: string[] = [];
    pool = new ClientPool<typeof poolClients>(MODULE, { processes: 2, settings: { prefix: '' }, onBatch: (batch) => got.push(...batch) });
    await pool.open([{ name: 'a' }, { name: 'b', drops: true }, { name: 'c' }], { concurrency: 4 });
    expect(await pool.close()).toEqual({ lost: 1, why: ['dropped by the test'] });
    // The last batches came before the answer: the two still held were closed, the lost one not.
    expect(got.filter((g) => g.startsWith('closed')).sort()).toEqual(['closed a', 'closed c']);
    const again = await pool.open([{ name: 'd' }], { concurrency: 1 });
    expect(again.opened).toBe(1);
    expect(await pool.close()).toEqual({ lost: 0, why: [] });
  });

  it('leaves no process behind when stopped', { timeout: 60_000 }, async () => {
    pool = new ClientPool<typeof poolClients>(MODULE, { processes: 2, settings: { prefix: '' }, onBatch: () => {} });
    await pool.open([{ name: 'a' }, { name: 'b' }], { concurrency: 1 });
    const pids = pool.pids;
    expect(pids.every(alive)).toBe(true);
    await pool.stop();
    expect(pids.some(alive)).toBe(false);
  });
});
