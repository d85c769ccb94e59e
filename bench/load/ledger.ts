// The ledger: for every post, which followers must receive it (from the follow graph at the
// moment it was posted) and when each did. Receipts that arrive before the poster has the
// post's id (delivery can beat the HTTP answer) wait in a side buffer until it does.

export interface LedgerSummary {
  posts: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Receipts of a post for a user who was not expected to get it. */
  unexpected: number;
  /** A user got a post of an author after a later post of the same author. */
  outOfOrder: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** Deliveries per second over the posting window (first send to last receipt). */
  deliveriesPerSecond: number;
  windowSeconds: number;
}

interface PostEntry {
  authorId: number;
  sentAt: number;
  pending: Set<number>;
  received: Set<number>;
}

export class Ledger {
  private readonly posts = new Map<number, PostEntry>();
  private readonly early = new Map<number, number[]>();
  /** Per recipient and author: the highest post id received so far. */
  private readonly lastFromAuthor = new Map<number, Map<number, number>>();
  private latencies: number[] = [];
  private duplicated = 0;
  private unexpected = 0;
  private outOfOrder = 0;
  private expected = 0;
  private firstSend = Infinity;
  private lastReceipt = 0;
  private readonly ignored = new Set<number>();

  /** Posts made before measuring (warm-up): their receipts are not counted anywhere. */
  ignore(postId: number): void {
    this.ignored.add(postId);
    this.early.delete(postId);
  }

  expect(postId: number, authorId: number, sentAt: number, recipients: Iterable<number>): void {
    const entry: PostEntry = { authorId, sentAt, pending: new Set(recipients), received: new Set() };
    this.posts.set(postId, entry);
    this.expected += entry.pending.size;
    if (sentAt < this.firstSend) this.firstSend = sentAt;
    const early = this.early.get(postId);
    if (early) {
      this.early.delete(postId);
      for (let i = 0; i < early.length; i += 2) this.apply(postId, entry, early[i]!, early[i + 1]!);
    }
  }

  /** A batch of receipts from a client process: flat [postId, userId, receivedAt, ...]. */
  receipts(flat: readonly number[]): void {
    for (let i = 0; i < flat.length; i += 3) this.receipt(flat[i]!, flat[i + 1]!, flat[i + 2]!);
  }

  receipt(postId: number, userId: number, at: number): void {
    if (this.ignored.has(postId)) return;
    const entry = this.posts.get(postId);
    if (!entry) {
      let list = this.early.get(postId);
      if (!list) this.early.set(postId, (list = []));
      list.push(userId, at);
      return;
    }
    this.apply(postId, entry, userId, at);
  }

  private apply(postId: number, entry: PostEntry, userId: number, at: number): void {
    if (entry.pending.delete(userId)) {
      entry.received.add(userId);
      this.latencies.push(at - entry.sentAt);
      if (at > this.lastReceipt) this.lastReceipt = at;
      let last = this.lastFromAuthor.get(userId);
      if (!last) this.lastFromAuthor.set(userId, (last = new Map()));
      const prev = last.get(entry.authorId) ?? 0;
      if (postId < prev) this.outOfOrder++;
      else last.set(entry.authorId, postId);
    } else if (entry.received.has(userId)) {
      this.duplicated++;
    } else {
      this.unexpected++;
    }
  }

  /** Deliveries still owed. */
  get outstanding(): number {
    return this.expected - this.latencies.length;
  }

  get delivered(): number {
    return this.latencies.length;
  }

  /** Receipts for post ids the poster never registered (should be none once posting is done). */
  get orphans(): number {
    let n = 0;
    for (const list of this.early.values()) n += list.length / 2;
    return n;
  }

  summary(): LedgerSummary {
    const sorted = Float64Array.from(this.latencies).sort();
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);
    const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
    const windowSeconds = Math.max(0.001, (this.lastReceipt - this.firstSend) / 1000);
    return {
      posts: this.posts.size,
      expected: this.expected,
      delivered: sorted.length,
      lost: this.expected - sorted.length,
      duplicated: this.duplicated,
      unexpected: this.unexpected + this.orphans,
      outOfOrder: this.outOfOrder,
      latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, mean },
      deliveriesPerSecond: sorted.length / windowSeconds,
      windowSeconds,
    };
  }

  /** Posts still owed to someone: [postId, authorId, users still waiting]. */
  owed(limit = 10): [number, number, number[]][] {
    const out: [number, number, number[]][] = [];
    for (const [postId, e] of this.posts) {
      if (e.pending.size === 0) continue;
      out.push([postId, e.authorId, [...e.pending].slice(0, 5)]);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Latencies (ms) for a histogram. */
  latencySample(max = 2_000): number[] {
    if (this.latencies.length <= max) return [...this.latencies];
    const step = this.latencies.length / max;
    return Array.from({ length: max }, (_, i) => this.latencies[Math.floor(i * step)]!);
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();
