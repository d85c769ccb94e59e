// The revocation watch in-process, with a fake source standing in for Redis's revocation stream
// and per-token keys: core's notice, the periodic read of what was revoked since, the sweep of
// every token when the stream no longer holds all of that, and a failed check that reads the same
// revocations again next time.
import { describe, expect, it } from 'vitest';
import type { RevocationCursor, RevocationsRead, TokenRef } from '@feed/cache';
import { RevocationWatch, type RevocationSource } from '../src/revocation.ts';

/** Redis as the watch sees it: an append-only list of revocations, of which the oldest may be gone. */
class FakeSource implements RevocationSource {
  readonly stream: TokenRef[] = [];
  /** Entries trimmed from the front. */
  trimmed = 0;
  down = false;
  sweeps = 0;

  revoke(userId: string, tokenId: string): void {
    this.stream.push({ userId, tokenId });
  }

  async revoked(tokens: readonly TokenRef[]): Promise<boolean[]> {
    this.fail();
    this.sweeps++;
    return tokens.map((t) => this.stream.some((r) => r.userId === t.userId && r.tokenId === t.tokenId));
  }

  async latest(): Promise<RevocationCursor> {
    this.fail();
    return { id: String(this.stream.length), added: this.stream.length };
  }

  async readSince(cursor: RevocationCursor): Promise<RevocationsRead> {
    this.fail();
    const end = { id: String(this.stream.length), added: this.stream.length };
    if (cursor.added < this.trimmed) return { tokens: [], cursor: end, gap: true };
    return { tokens: this.stream.slice(cursor.added), cursor: end, gap: false };
  }

  private fail(): void {
    if (this.down) throw new Error('redis unreachable');
  }
}

function watching(source: RevocationSource) {
  const closed: string[] = [];
  const failures: string[] = [];
  const watch = new RevocationWatch<string>(
    source,
    (s) => closed.push(s),
    (err) => failures.push(err.message),
  );
  return { watch, closed, failures };
}

describe('revocation watch', () => {
  it('closes every stream of a revoked token once, and no stream of another token or user', () => {
    const { watch, closed } = watching(new FakeSource());
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

  it('closes at each check the streams of tokens revoked since the last one, without asking about every token', async () => {
    const source = new FakeSource();
    const { watch, closed } = watching(source);
    source.revoke('1', 'before'); // before the watch started: the handshake's own check covers it
    await watch.check();
    watch.add('a', { userId: '1', tokenId: 't1' });
    watch.add('b', { userId: '1', tokenId: 't2' });
    watch.add('c', { userId: '2', tokenId: 't3' });
    source.revoke('1', 't2');
    source.revoke('9', 'elsewhere'); // a stream on another gateway
    expect(await watch.check()).toBe(1);
    expect(closed).toEqual(['b']);
    expect(await watch.check()).toBe(0);
    expect(source.sweeps).toBe(0);
  });

  it('checks every open token when the stream lost revocations it owed, and after a failed check reads them again', async () => {
    const source = new FakeSource();
    const { watch, closed, failures } = watching(source);
    await watch.check();
    watch.add('a', { userId: '1', tokenId: 't1' });
    watch.add('b', { userId: '1', tokenId: 't2' });
    watch.add('c', { userId: '1', tokenId: 't3' });

    source.down = true;
    source.revoke('1', 't1');
    expect(await watch.check()).toBe(0);
    expect(failures).toEqual(['redis unreachable']);
    source.down = false;
    expect(await watch.check()).toBe(1);
    expect(closed).toEqual(['a']);

    // More revocations than the stream keeps: the one owed is gone from it, so every token is asked about.
    source.revoke('1', 't2');
    source.trimmed = source.stream.length;
    expect(await watch.check()).toBe(1);
    expect(source.sweeps).toBe(1);
    expect(closed).toEqual(['a', 'b']);
  });

  it('sweeps what Redis says is revoked, and closes nothing when Redis cannot say', async () => {
    const source = new FakeSource();
    const { watch, closed, failures } = watching(source);
    watch.add('a', { userId: '1', tokenId: 't1' });
    watch.add('b', { userId: '1', tokenId: 't2' });
    source.revoke('1', 't2');
    expect(await watch.sweep()).toBe(1);
    expect(closed).toEqual(['b']);
    source.down = true;
    source.revoke('1', 't1');
    expect(await watch.sweep()).toBe(0);
    expect(failures).toEqual(['redis unreachable']);
    source.down = false;
    expect(await watch.sweep()).toBe(1);
    expect(closed).toEqual(['b', 'a']);
  });
});
