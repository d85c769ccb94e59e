// Streams whose token a logout revoked are closed, two ways: core tells the gateways holding the
// user (a `session.revoked` message on this gateway's queue, `revoked()`), and a periodic check
// reads the revocations made since the last one from Redis (`check()`), which catches a notice
// that never came (the broker was down, or the stream opened while core was looking up where the
// user is). The periodic check costs one read whatever the number of open streams; only when the
// revocations since are not all there any more (`gap`) does it ask about every open stream's
// token (`sweep()`).
import type { RevocationCursor, RevocationsRead, TokenRef } from '@feed/cache';

/** Tokens per Redis pipeline in a sweep. */
const CHECK_SLICE = 1_000;

/** What the watch asks of Redis. */
export interface RevocationSource {
  /** Which of these tokens are revoked, in order; throws when Redis cannot say. */
  revoked(tokens: readonly TokenRef[]): Promise<boolean[]>;
  /** The end of the revocation stream: revocations before it are checked otherwise. */
  latest(): Promise<RevocationCursor>;
  /** The revocations after a cursor. */
  readSince(cursor: RevocationCursor): Promise<RevocationsRead>;
}

export class RevocationWatch<S> {
  /** Open streams by token id (a token can open several streams: tabs). */
  private readonly byToken = new Map<string, { userId: string; sessions: Set<S> }>();
  private readonly tokenOf = new Map<S, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private cursor: RevocationCursor | undefined;
  private checking = false;

  constructor(
    private readonly source: RevocationSource,
    private readonly revoke: (session: S) => void,
    private readonly onCheckFailed: (err: Error) => void,
  ) {}

  /** Checks for revocations once per `everyMs`. */
  start(everyMs: number): void {
    this.timer ??= setInterval(() => void this.check(), everyMs);
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
   * One periodic check: closes the streams of the tokens revoked since the last check. The first
   * check only finds where the stream ends, and sweeps the streams opened before it knew (none
   * when it starts with the gateway). A check that fails (Redis unreachable) keeps its cursor and
   * reads the same revocations at the next one.
   */
  async check(): Promise<number> {
    if (this.checking) return 0;
    this.checking = true;
    try {
      if (!this.cursor) {
        const latest = await this.source.latest();
        const closed = this.size > 0 ? await this.sweepAll() : 0;
        this.cursor = latest;
        return closed;
      }
      const read = await this.source.readSince(this.cursor);
      let closed = 0;
      for (const token of read.tokens) closed += this.revoked(token);
      if (read.gap) closed += await this.sweepAll();
      this.cursor = read.cursor;
      return closed;
    } catch (err) {
      this.onCheckFailed(err as Error);
      return 0;
    } finally {
      this.checking = false;
    }
  }

  /**
   * The fallback, all at once: asks Redis about the token of every open stream and closes the
   * revoked ones. Returns how many streams it closed; a sweep that fails closes nothing more.
   */
  async sweep(): Promise<number> {
    try {
      return await this.sweepAll();
    } catch (err) {
      this.onCheckFailed(err as Error);
      return 0;
    }
  }

  private async sweepAll(): Promise<number> {
    const tokens = [...this.byToken].map(([tokenId, { userId }]) => ({ userId, tokenId }));
    let closed = 0;
    for (let i = 0; i < tokens.length; i += CHECK_SLICE) {
      const slice = tokens.slice(i, i + CHECK_SLICE);
      const revoked = await this.source.revoked(slice);
      slice.forEach((token, n) => {
        if (revoked[n]) closed += this.revoked(token);
      });
    }
    return closed;
  }
}
