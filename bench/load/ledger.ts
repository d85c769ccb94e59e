// The ledger: for every post, which followers must receive it (from the follow graph at the
// moment it was posted) and when each did. Receipts that arrive before the poster has the
// post's id (delivery can beat the HTTP answer) wait in a side buffer until it does.
import { nearestRank } from '../stats.ts';

export interface LedgerSummary {
  posts: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** The duplicates by the author's kind (which path sent the second copy). */
  duplicatedByAuthor: Record<AuthorKind, number>;
  /** Receipts of a post for a user who was not expected to get it. */
  unexpected: number;
  /** A user got a post of an author after a later post of the same author. */
  outOfOrder: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** The same split by the author's kind: a celebrity's post reaches thousands at once. */
  byAuthor: Record<AuthorKind, LatencySplit>;
  /** And by the recipient's path (transport, straight or through HAProxy). */
  byPath: Record<string, LatencySplit>;
  /** Deliveries per second over the posting window (first send to last receipt). */
  deliveriesPerSecond: number;
  windowSeconds: number;
}

export type AuthorKind = 'ordinary' | 'celebrity';

export interface LatencySplit {
  deliveries: number;
  p50: number;
  p99: number;
}

interface PostEntry {
  authorId: number;
  kind: AuthorKind;
  /** When POST /post/create answered. */
  answeredAt: number;
  sentAt: number;
  pending: Set<number>;
  received: Set<number>;
  receivedAt: number[];
}

export class Ledger {
  private readonly posts = new Map<number, PostEntry>();
  private readonly early = new Map<number, number[]>();
  /** Per recipient and author: the highest post id received so far. */
  private readonly lastFromAuthor = new Map<number, Map<number, number>>();
  private latencies: number[] = [];
  private readonly kindLatencies: Record<AuthorKind, number[]> = { ordinary: [], celebrity: [] };
  private readonly pathLatencies = new Map<string, number[]>();

  /** `pathOf` names a recipient's path (e.g. "ws via haproxy") for the latency split. */
  constructor(private readonly pathOf: (userId: number) => string = () => 'all') {}
  private duplicated = 0;
  private readonly duplicatedByAuthor: Record<AuthorKind, number> = { ordinary: 0, celebrity: 0 };
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

  expect(postId: number, authorId: number, sentAt: number, recipients: Iterable<number>, kind: AuthorKind = 'ordinary', answeredAt = sentAt): void {
    const entry: PostEntry = { authorId, kind, sentAt, answeredAt, pending: new Set(recipients), received: new Set(), receivedAt: [] };
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
      entry.receivedAt.push(at);
      this.latencies.push(at - entry.sentAt);
      this.kindLatencies[entry.kind].push(at - entry.sentAt);
      const path = this.pathOf(userId);
      let byPath = this.pathLatencies.get(path);
      if (!byPath) this.pathLatencies.set(path, (byPath = []));
      byPath.push(at - entry.sentAt);
      if (at > this.lastReceipt) this.lastReceipt = at;
      let last = this.lastFromAuthor.get(userId);
      if (!last) this.lastFromAuthor.set(userId, (last = new Map()));
      const prev = last.get(entry.authorId) ?? 0;
      if (postId < prev) this.outOfOrder++;
      else last.set(entry.authorId, postId);
    } else if (entry.received.has(userId)) {
      this.duplicated++;
      this.duplicatedByAuthor[entry.kind]++;
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
    const q = (p: number) => nearestRank(sorted, p);
    const split = (latencies: number[]): LatencySplit => {
      const list = Float64Array.from(latencies).sort();
      return { deliveries: list.length, p50: nearestRank(list, 0.5), p99: nearestRank(list, 0.99) };
    };
    const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
    const windowSeconds = Math.max(0.001, (this.lastReceipt - this.firstSend) / 1000);
    return {
      posts: this.posts.size,
      expected: this.expected,
      delivered: sorted.length,
      lost: this.expected - sorted.length,
      duplicated: this.duplicated,
      duplicatedByAuthor: { ...this.duplicatedByAuthor },
      unexpected: this.unexpected + this.orphans,
      outOfOrder: this.outOfOrder,
      latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, mean },
      byAuthor: { ordinary: split(this.kindLatencies.ordinary), celebrity: split(this.kindLatencies.celebrity) },
      byPath: Object.fromEntries([...this.pathLatencies].sort(([a], [b]) => a.localeCompare(b)).map(([path, list]) => [path, split(list)])),
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

  /** Per post, in send order: [ms since the first send, API answer ms, median and slowest delivery ms, recipients, celebrity]. */
  postTimeline(): [number, number, number, number, number, boolean][] {
    const out: [number, number, number, number, number, boolean][] = [];
    for (const e of this.posts.values()) {
      const ms = e.receivedAt.map((at) => at - e.sentAt).sort((a, b) => a - b);
      out.push([e.sentAt - this.firstSend, e.answeredAt - e.sentAt, ms[Math.floor(ms.length / 2)] ?? NaN, ms.at(-1) ?? NaN, e.received.size, e.kind === 'celebrity']);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Latencies (ms) for a histogram. */
  latencySample(max = 2_000): number[] {
    if (this.latencies.length <= max) return [...this.latencies];
    const step = this.latencies.length / max;
    return Array.from({ length: max }, (_, i) => this.latencies[Math.floor(i * step)]!);
  }
}
