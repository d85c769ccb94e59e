// Streams whose token a logout revoked are closed, two ways: core tells the gateways holding the
// user (a `session.revoked` message on this gateway's queue, `revoked()`), and a periodic check
// asks Redis about every open stream's token (`sweep()`), which catches a notice that never came
// (the broker was down, or the stream opened while core was looking up where the user is).
import type { TokenRef } from '@feed/cache';

/** Tokens per Redis pipeline in one check. */
const CHECK_SLICE = 1_000;

export class RevocationWatch<S> {
  /** Open streams by token id (a token can open several streams: tabs). */
  private readonly byToken = new Map<string, { userId: string; sessions: Set<S> }>();
  private readonly tokenOf = new Map<S, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping = false;

  constructor(
    /** Which of these tokens are revoked, in order; throws when Redis cannot say. */
    private readonly check: (tokens: readonly TokenRef[]) => Promise<boolean[]>,
    private readonly revoke: (session: S) => void,
    private readonly onCheckFailed: (err: Error) => void,
  ) {}

  start(everyMs: number): void {
    this.timer ??= setInterval(() => void this.sweep(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  add(session: S, token: TokenRef): void {
    let entry = this.byToken.get(token.tokenId);
    if (!entry) this.byToken.set(token.tokenId, (entry = { userId: token.userId, sessions: new Set() }));
    entry.sessions.add(session);
    this.tokenOf.set(session, token.tokenId);
  }

  remove(session: S): void {
    const tokenId = this.tokenOf.get(session);
    if (tokenId === undefined) return;
    this.tokenOf.delete(session);
    const entry = this.byToken.get(tokenId);
    entry?.sessions.delete(session);
    if (entry?.sessions.size === 0) this.byToken.delete(tokenId);
  }

  get size(): number {
    return this.tokenOf.size;
  }

  /** A notice from core: closes every stream opened with that token. Returns how many. */
  revoked(token: TokenRef): number {
    const entry = this.byToken.get(token.tokenId);
    if (!entry || entry.userId !== token.userId) return 0;
    this.byToken.delete(token.tokenId);
    const sessions = [...entry.sessions];
    for (const session of sessions) {
      this.tokenOf.delete(session);
      this.revoke(session);
    }
    return sessions.length;
  }

  /**
   * The backstop: asks Redis about the token of every open stream and closes the revoked ones.
   * A check that fails (Redis unreachable) closes nothing and is tried again next period: the
   * stream cannot have been revoked without Redis recording it first.
   */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let closed = 0;
    try {
      const tokens = [...this.byToken].map(([tokenId, { userId }]) => ({ userId, tokenId }));
      for (let i = 0; i < tokens.length; i += CHECK_SLICE) {
        const slice = tokens.slice(i, i + CHECK_SLICE);
        const revoked = await this.check(slice);
        slice.forEach((token, n) => {
          if (revoked[n]) closed += this.revoked(token);
        });
      }
    } catch (err) {
      this.onCheckFailed(err as Error);
    } finally {
      this.sweeping = false;
    }
    return closed;
  }
}
