import { describe, expect, it } from 'vitest';
import { RevocationWatch } from '../src/revocation.ts';

describe('revocation watch', () => {
  it('closes every stream of a revoked token once, and no stream of another token or user', () => {
    const closed: string[] = [];
    const watch = new RevocationWatch<string>(
      async () => [],
      (s) => closed.push(s),
      () => {},
    );
    watch.add('tab 1', { userId: '1', tokenId: 't1' });
    watch.add('tab 2', { userId: '1', tokenId: 't1' });
    watch.add('phone', { userId: '1', tokenId: 't2' });
    watch.add('gone', { userId: '1', tokenId: 't1' });
    watch.remove('gone');
    expect(watch.revoked({ userId: '2', tokenId: 't1' })).toBe(0); // a notice must name the token's own user
    expect(watch.revoked({ userId: '1', tokenId: 't1' })).toBe(2);
    expect(watch.revoked({ userId: '1', tokenId: 't1' })).toBe(0);
    expect(closed).toEqual(['tab 1', 'tab 2']);
    expect(watch.size).toBe(1);
  });

  it('closes at the sweep what Redis says is revoked, and nothing when Redis cannot say', async () => {
    const closed: string[] = [];
    const failures: string[] = [];
    let revoked = new Set<string>(['t2']);
    let down = false;
    const watch = new RevocationWatch<string>(
      async (tokens) => {
        if (down) throw new Error('redis unreachable');
        return tokens.map((t) => revoked.has(t.tokenId));
      },
      (s) => closed.push(s),
      (err) => failures.push(err.message),
    );
    watch.add('a', { userId: '1', tokenId: 't1' });
    watch.add('b', { userId: '1', tokenId: 't2' });
    expect(await watch.sweep()).toBe(1);
    expect(closed).toEqual(['b']);
    down = true;
    revoked = new Set(['t1']);
    expect(await watch.sweep()).toBe(0);
    expect(failures).toEqual(['redis unreachable']);
    down = false;
    expect(await watch.sweep()).toBe(1);
    expect(closed).toEqual(['b', 'a']);
  });
});
