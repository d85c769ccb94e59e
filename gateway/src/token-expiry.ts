// When each session's access token runs out. One timer for the whole gateway instead of one per
// session: tens of thousands of idle sessions each holding a Timeout (and the map entry that
// finds it again) would be a measurable share of a connection's memory. Sessions sit in one-second
// buckets; a sweep every second closes those whose second has passed.
export class TokenExpiry<S> {
  private readonly buckets = new Map<number, Set<S>>();
  private readonly secondOf = new Map<S, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly expire: (session: S) => void) {}

  /** Starts the sweep (idempotent). */
  start(everyMs = 1_000): void {
    this.timer ??= setInterval(() => this.sweep(Date.now()), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `expiresAt` in seconds since the epoch, as in the token's `exp` claim. */
  add(session: S, expiresAt: number): void {
    const second = Math.floor(expiresAt);
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = new Set()));
    bucket.add(session);
    this.secondOf.set(session, second);
  }

  remove(session: S): void {
    const second = this.secondOf.get(session);
    if (second === undefined) return;
    this.secondOf.delete(session);
    const bucket = this.buckets.get(second);
    bucket?.delete(session);
    if (bucket?.size === 0) this.buckets.delete(second);
  }

  get size(): number {
    return this.secondOf.size;
  }

  /** Expires every session whose token ran out at or before `nowMs`. */
  sweep(nowMs: number): void {
    const now = nowMs / 1000;
    for (const [second, bucket] of this.buckets) {
      if (second > now) continue;
      this.buckets.delete(second);
      for (const session of bucket) {
        this.secondOf.delete(session);
        this.expire(session);
      }
    }
  }
}
