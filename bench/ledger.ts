// The ledger both benchmark tools keep (bench/load and bench/chaos): for every post, which users
// must receive it (from the follow graph at the moment it was posted) and what each got.
//
// A receipt is live (the post.created event on the user's stream) or re-fetched (the post was in
// a GET /post/feed page the client loaded after a feed.reset, or after reconnecting without an
// id). Either delivers a post the user was owed, once: the SPA merges a re-fetched page by post
// id, so a re-fetched copy of a post the user already has is no duplicate, and neither is a live
// copy of one already re-fetched. The anomalies are counted on the live stream only:
//   duplicated   — the same post live twice for one user;
//   out of order — a user got author A's post p live after A's post q > p (ids grow with time);
//   unexpected   — a post live for a user not owed it.
// Lost is what is still owed. Latencies are those of live receipts (a re-fetch's time says when
// the client refetched, not how fast the pipeline was).
//
// Receipts can arrive before the poster has the post's id (delivery can beat the HTTP answer):
// they wait in a side buffer until expect(). Live ones still waiting are orphans: receipts of a
// post the poster never registered (its POST failed after the post was written, or the system
// invented it).
import { nearestRank } from './stats.ts';

/**
 * What a client process sends: flat [postId, userId, at, source, postId, …], `at` from
 * bench/clock.ts, `source` LIVE or REFETCHED.
 */
export const RECEIPT_FIELDS = 4;
export const LIVE = 0;
export const REFETCHED = 1;
export type ReceiptSource = typeof LIVE | typeof REFETCHED;

export type AuthorKind = 'ordinary' | 'celebrity';

export interface Delivery {
  postId: number;
  userId: number;
  /** When the post was sent (just before POST /post/create). */
  sentAt: number;
  at: number;
  viaFeed: boolean;
}

export interface Receipt {
  postId: number;
  userId: number;
  at: number;
}

export interface OutOfOrder extends Receipt {
  /** The same author's later post the user had already got live. */
  after: number;
}

/** Milliseconds from send to live receipt. */
export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LatencySplit {
  deliveries: number;
  p50: number;
  p99: number;
}

/** The figures of the posts sent in a window (see counts()). */
export interface LedgerCounts {
  posts: number;
  expected: number;
  delivered: number;
  /** Of `delivered`, those that came only through a re-fetched feed. */
  deliveredViaFeed: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  unexpected: number;
  latencyMs: Latency;
}

/** The whole run (see summary()). */
export interface LedgerSummary extends LedgerCounts {
  /** The duplicates by the author's kind (which path sent the second copy). */
  duplicatedByAuthor: Record<AuthorKind, number>;
  /** Live receipts of posts the poster never registered. */
  orphans: number;
  /** The latency split by the author's kind: a celebrity's post reaches thousands at once. */
  byAuthor: Record<AuthorKind, LatencySplit>;
  /** And by the recipient's path (transport, straight or through HAProxy). */
  byPath: Record<string, LatencySplit>;
  /** Deliveries per second over the posting window (first send to last receipt). */
  deliveriesPerSecond: number;
  windowSeconds: number;
}

/** What a recipient has of a post. */
type Held = 'owed' | 'live' | 'refetched';

interface PostEntry {
  authorId: number;
  kind: AuthorKind;
  sentAt: number;
  /** When POST /post/create answered. */
  answeredAt: number;
  recipients: Map<number, Held>;
  /** Recipients still owed it. */
  owed: number;
}

export class Ledger {
  private readonly posts = new Map<number, PostEntry>();
  /** Receipts of posts not yet expected: per post id, flat [userId, at, source, …]. */
  private readonly early = new Map<number, number[]>();
  private readonly ignored = new Set<number>();
  /** Per recipient and author: the highest post id received live so far. */
  private readonly lastLive = new Map<number, Map<number, number>>();
  readonly #deliveries: Delivery[] = [];
  readonly #duplicates: Receipt[] = [];
  readonly #outOfOrders: OutOfOrder[] = [];
  readonly #unexpecteds: Receipt[] = [];
  private expectedTotal = 0;
  private firstSend = Infinity;
  private lastReceipt = -Infinity;

  /** `pathOf` names a recipient's path (e.g. "ws via HAProxy") for the latency split. */
  constructor(private readonly pathOf: (userId: number) => string = () => 'all') {}

  /** Posts made before measuring (warm-up): their receipts are not counted anywhere. */
  ignore(postId: number): void {
    this.ignored.add(postId);
    this.early.delete(postId);
  }

  /** A post the poster got an id for: owed to `recipients`. */
  expect(postId: number, authorId: number, sentAt: number, recipients: Iterable<number>, kind: AuthorKind = 'ordinary', answeredAt = sentAt): void {
    const entry: PostEntry = { authorId, kind, sentAt, answeredAt, recipients: new Map(), owed: 0 };
    for (const r of recipients) entry.recipients.set(r, 'owed');
    entry.owed = entry.recipients.size;
    this.expectedTotal += entry.owed;
    if (sentAt < this.firstSend) this.firstSend = sentAt;
    this.posts.set(postId, entry);
    const early = this.early.get(postId);
    if (early) {
      this.early.delete(postId);
      for (let i = 0; i < early.length; i += 3) this.apply(postId, entry, early[i]!, early[i + 1]!, early[i + 2] === REFETCHED);
    }
  }

  /** A batch from a client process (see RECEIPT_FIELDS). */
  receipts(flat: readonly number[]): void {
    for (let i = 0; i + RECEIPT_FIELDS <= flat.length; i += RECEIPT_FIELDS) this.receipt(flat[i]!, flat[i + 1]!, flat[i + 2]!, flat[i + 3] === REFETCHED ? REFETCHED : LIVE);
  }

  receipt(postId: number, userId: number, at: number, source: ReceiptSource = LIVE): void {
    if (this.ignored.has(postId)) return;
    const entry = this.posts.get(postId);
    if (entry) return this.apply(postId, entry, userId, at, source === REFETCHED);
    let list = this.early.get(postId);
    if (!list) this.early.set(postId, (list = []));
    list.push(userId, at, source);
  }

  private apply(postId: number, entry: PostEntry, userId: number, at: number, viaFeed: boolean): void {
    const held = entry.recipients.get(userId);
    if (viaFeed) {
      // A re-fetched page holds whatever the feed has: posts not owed to this user, or already
      // received, are simply there.
      if (held === 'owed') this.deliver(postId, entry, userId, at, 'refetched');
      return;
    }
    if (held === undefined) return void this.#unexpecteds.push({ postId, userId, at });
    if (held === 'live') return void this.#duplicates.push({ postId, userId, at });
    let last = this.lastLive.get(userId);
    if (!last) this.lastLive.set(userId, (last = new Map()));
    const after = last.get(entry.authorId) ?? 0;
    if (postId < after) this.#outOfOrders.push({ postId, userId, at, after });
    else last.set(entry.authorId, postId);
    if (held === 'refetched') entry.recipients.set(userId, 'live');
    else this.deliver(postId, entry, userId, at, 'live');
  }

  private deliver(postId: number, entry: PostEntry, userId: number, at: number, held: 'live' | 'refetched'): void {
    entry.recipients.set(userId, held);
    entry.owed--;
    this.#deliveries.push({ postId, userId, sentAt: entry.sentAt, at, viaFeed: held === 'refetched' });
    if (at > this.lastReceipt) this.lastReceipt = at;
  }

  /** Every delivery (the first receipt of an owed post), in arrival order. */
  get deliveries(): readonly Delivery[] {
    return this.#deliveries;
  }

  /** Live copies of a post the user already had live. */
  get duplicates(): readonly Receipt[] {
    return this.#duplicates;
  }

  get outOfOrders(): readonly OutOfOrder[] {
    return this.#outOfOrders;
  }

  /** Live receipts of a registered post by a user not owed it. */
  get unexpecteds(): readonly Receipt[] {
    return this.#unexpecteds;
  }

  get delivered(): number {
    return this.#deliveries.length;
  }

  /** Deliveries still owed. */
  get outstanding(): number {
    return this.expectedTotal - this.#deliveries.length;
  }

  /** Deliveries still owed of the posts sent before `t`. */
  outstandingBefore(t: number): number {
    let n = 0;
    for (const e of this.posts.values()) if (e.sentAt < t) n += e.owed;
    return n;
  }

  /** Live receipts of post ids the poster never registered (should be none once posting is done). */
  get orphans(): number {
    let n = 0;
    for (const list of this.early.values()) for (let i = 2; i < list.length; i += 3) if (list[i] === LIVE) n++;
    return n;
  }

  /** The first live receipts of post ids the poster never registered: [postId, userId, at]. */
  orphanReceipts(limit = 5): [number, number, number][] {
    const found: [number, number, number][] = [];
    for (const [postId, list] of this.early) {
      for (let i = 0; i + 2 < list.length && found.length < limit; i += 3) if (list[i + 2] === LIVE) found.push([postId, list[i]!, list[i + 1]!]);
    }
    return found;
  }

  /** What this ledger knows of one post for one user: whether it was owed, and how it arrived. */
  standing(postId: number, userId: number): string {
    if (this.ignored.has(postId)) return 'a warm-up post';
    const entry = this.posts.get(postId);
    if (!entry) return 'not posted in this ledger';
    const held = entry.recipients.get(userId);
    const delivered = this.#deliveries.find((d) => d.postId === postId && d.userId === userId);
    if (held === undefined) return 'not owed to this user';
    return held === 'owed' ? 'owed, not yet received' : `already received (${held}${delivered ? `, ${(delivered.at - entry.sentAt).toFixed(0)} ms after it was sent` : ''})`;
  }

  /** Posts still owed to someone, of those sent in [from, to): [postId, authorId, sentAt, users still waiting (the first 8)]. */
  owed(limit = 10, from = -Infinity, to = Infinity): [number, number, number, number[]][] {
    const out: [number, number, number, number[]][] = [];
    for (const [postId, e] of this.posts) {
      if (e.owed === 0 || e.sentAt < from || e.sentAt >= to) continue;
      const waiting: number[] = [];
      for (const [user, held] of e.recipients) {
        if (held !== 'owed') continue;
        waiting.push(user);
        if (waiting.length === 8) break;
      }
      out.push([postId, e.authorId, e.sentAt, waiting]);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The figures of the posts sent in [from, to): every receipt is counted against its post's window. */
  counts(from = -Infinity, to = Infinity): LedgerCounts {
    const inWindow = (postId: number) => {
      const e = this.posts.get(postId);
      return e !== undefined && e.sentAt >= from && e.sentAt < to;
    };
    let posts = 0;
    let expected = 0;
    let lost = 0;
    for (const e of this.posts.values()) {
      if (e.sentAt < from || e.sentAt >= to) continue;
      posts++;
      expected += e.recipients.size;
      lost += e.owed;
    }
    let delivered = 0;
    let deliveredViaFeed = 0;
    const live: number[] = [];
    for (const d of this.#deliveries) {
      if (d.sentAt < from || d.sentAt >= to) continue;
      delivered++;
      if (d.viaFeed) deliveredViaFeed++;
      else live.push(d.at - d.sentAt);
    }
    return {
      posts,
      expected,
      delivered,
      deliveredViaFeed,
      lost,
      duplicated: this.#duplicates.filter((r) => inWindow(r.postId)).length,
      outOfOrder: this.#outOfOrders.filter((r) => inWindow(r.postId)).length,
      unexpected: this.#unexpecteds.filter((r) => inWindow(r.postId)).length,
      latencyMs: latencyOf(live),
    };
  }

  /** The whole run: counts() of every post, the latency split by author kind and by path, the rate. */
  summary(): LedgerSummary {
    const kindOf = (postId: number) => this.posts.get(postId)!.kind;
    const byAuthor: Record<AuthorKind, number[]> = { ordinary: [], celebrity: [] };
    const byPath = new Map<string, number[]>();
    for (const d of this.#deliveries) {
      if (d.viaFeed) continue;
      byAuthor[kindOf(d.postId)].push(d.at - d.sentAt);
      const path = this.pathOf(d.userId);
      let list = byPath.get(path);
      if (!list) byPath.set(path, (list = []));
      list.push(d.at - d.sentAt);
    }
    const duplicatedByAuthor: Record<AuthorKind, number> = { ordinary: 0, celebrity: 0 };
    for (const r of this.#duplicates) duplicatedByAuthor[kindOf(r.postId)]++;
    const counts = this.counts();
    const windowSeconds = Math.max(0.001, (this.lastReceipt - this.firstSend) / 1000);
    return {
      ...counts,
      duplicatedByAuthor,
      orphans: this.orphans,
      byAuthor: { ordinary: splitOf(byAuthor.ordinary), celebrity: splitOf(byAuthor.celebrity) },
      byPath: Object.fromEntries([...byPath].sort(([a], [b]) => a.localeCompare(b)).map(([path, list]) => [path, splitOf(list)])),
      deliveriesPerSecond: counts.delivered / windowSeconds,
      windowSeconds,
    };
  }

  /** Per post, in send order: [ms since the first send, API answer ms, median and slowest live delivery ms, deliveries, celebrity]. */
  postTimeline(): [number, number, number, number, number, boolean][] {
    const latencies = new Map<number, number[]>();
    const deliveries = new Map<number, number>();
    for (const d of this.#deliveries) {
      deliveries.set(d.postId, (deliveries.get(d.postId) ?? 0) + 1);
      if (d.viaFeed) continue;
      let list = latencies.get(d.postId);
      if (!list) latencies.set(d.postId, (list = []));
      list.push(d.at - d.sentAt);
    }
    const out: [number, number, number, number, number, boolean][] = [];
    for (const [postId, e] of this.posts) {
      const ms = Float64Array.from(latencies.get(postId) ?? []).sort();
      out.push([e.sentAt - this.firstSend, e.answeredAt - e.sentAt, nearestRank(ms, 0.5), ms.length ? ms[ms.length - 1]! : NaN, deliveries.get(postId) ?? 0, e.kind === 'celebrity']);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Live latencies (ms) in arrival order, at most `max` of them evenly picked, for a histogram. */
  latencySample(max = 2_000): number[] {
    const all = this.#deliveries.filter((d) => !d.viaFeed).map((d) => d.at - d.sentAt);
    if (all.length <= max) return all;
    const step = all.length / max;
    return Array.from({ length: max }, (_, i) => all[Math.floor(i * step)]!);
  }
}

function latencyOf(values: readonly number[]): Latency {
  const sorted = Float64Array.from(values).sort();
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
  return { p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95), p99: nearestRank(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, mean };
}

function splitOf(values: readonly number[]): LatencySplit {
  const sorted = Float64Array.from(values).sort();
  return { deliveries: sorted.length, p50: nearestRank(sorted, 0.5), p99: nearestRank(sorted, 0.99) };
}
