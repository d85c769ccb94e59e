// Streams whose token a logout revoked are closed, two ways: core tells the gateways holding the
// user (a `session.revoked` message on this gateway's queue, `revoked()`), and a periodic check
// asks Redis about every open stream's token (`sweep()`), which catches a notice that never came
// (the broker was down, or the stream opened while core was looking up where the user is).
import type { TokenRef } from '@feed/cache';
import { StaggeredSlices } from './staggered.ts';

/** Tokens per Redis pipeline in one check. */
const CHECK_SLICE = 1_000;

export class RevocationWatch<S> {
  /** Open streams by token id (a token can open several streams: tabs). */
  private readonly byToken = new Map<string, { userId: string; sessions: Set<S> }>();
  private readonly tokenOf = new Map<S, string>();
  private rounds: StaggeredSlices<string> | undefined;
  private sweeping = false;

  constructor(
    /** Which of these tokens are revoked, in order; throws when Redis cannot say. */
    private readonly check: (tokens: readonly TokenRef[]) => Promise<boolean[]>,
    private readonly revoke: (session: S) => void,
    private readonly onCheckFailed: (err: Error) => void,
  ) {}

  /**
   * Checks every open stream's token once per `everyMs`, a slice at a time spread over the
   * period, rather than every token in one burst that Redis and the fan-out would wait through.
   */
  start(everyMs: number): void {
    this.rounds ??= new StaggeredSlices(this.byToken, everyMs, (tokenIds) => this.checkSlice(tokenIds).then(() => undefined));
    this.rounds.start();
  }

  stop(): void {
    this.rounds?.stop();
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
   * The backstop, all at once: asks Redis about the token of every open stream and closes the
   * revoked ones. Returns how many streams it closed.
   */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const tokenIds = [...this.byToken.keys()];
      let closed = 0;
      for (let i = 0; i < tokenIds.length; i += CHECK_SLICE) closed += await this.checkSlice(tokenIds.slice(i, i + CHECK_SLICE));
      return closed;
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Checks some open streams' tokens. A check that fails (Redis unreachable) closes nothing and
   * is tried again in the next round: the stream cannot have been revoked without Redis
   * recording it first.
   */
  private async checkSlice(tokenIds: readonly string[]): Promise<number> {
    const tokens: TokenRef[] = [];
    for (const tokenId of tokenIds) {
      const entry = this.byToken.get(tokenId);
      if (entry) tokens.push({ userId: entry.userId, tokenId });
    }
    if (tokens.length === 0) return 0;
    let closed = 0;
    try {
      for (let i = 0; i < tokens.length; i += CHECK_SLICE) {
        const slice = tokens.slice(i, i + CHECK_SLICE);
        const revoked = await this.check(slice);
        slice.forEach((token, n) => {
          if (revoked[n]) closed += this.revoked(token);
        });
      }
    } catch (err) {
      this.onCheckFailed(err as Error);
    }
    return closed;
  }
}
