// The chaos ledger. For every accepted post (POST answered 200): the followers among the
// clients who must get it (every client reconnects and resumes, so all of them are owed), and
// what each got. Receipts are live (a post.created frame) or re-fetched (GET /post/feed after a
// feed.reset, or after reconnecting without an id): a re-fetched post the client was owed counts
// as delivered, as the SPA merges the refetched page by post id; one it already had is not a
// duplicate. Counted against the live stream only:
//   duplicated   — the same post.created frame twice for one user;
//   out of order — a user got author A's post p live after A's post q > p (ids grow with time);
//   unexpected   — a post for someone not owed it.
// Lost is what is still owed at the end.
import { nearestRank } from '../stats.ts';

export interface Delivery {
  postId: number;
  userId: number;
  sentAt: number;
  at: number;
  viaFeed: boolean;
}

interface PostEntry {
  authorId: number;
  sentAt: number;
  /** user → 0 pending, 1 live, 2 via feed */
  state: Map<number, number>;
}

export interface LedgerCounts {
  posts: number;
  expected: number;
  delivered: number;
  deliveredViaFeed: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  unexpected: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export class ChaosLedger {
  private readonly posts = new Map<number, PostEntry>();
  private readonly early = new Map<number, number[]>();
  private readonly lastLive = new Map<number, Map<number, number>>();
  readonly deliveries: Delivery[] = [];
  readonly duplicates: { postId: number; userId: number; at: number }[] = [];
  readonly outOfOrders: { postId: number; userId: number; at: number; after: number }[] = [];
  readonly unexpecteds: { postId: number; userId: number; at: number }[] = [];
  private expectedTotal = 0;

  expect(postId: number, authorId: number, sentAt: number, recipients: Iterable<number>): void {
    const entry: PostEntry = { authorId, sentAt, state: new Map() };
    for (const r of recipients) entry.state.set(r, 0);
    this.expectedTotal += entry.state.size;
    this.posts.set(postId, entry);
    const early = this.early.get(postId);
    if (early) {
      this.early.delete(postId);
      for (let i = 0; i < early.length; i += 3) this.apply(postId, entry, early[i]!, early[i + 1]!, early[i + 2] === 1);
    }
  }

  /** Flat [postId, userId, at, source, ...] from a client process. */
  receipts(flat: readonly number[]): void {
    for (let i = 0; i < flat.length; i += 4) {
      const postId = flat[i]!;
      const entry = this.posts.get(postId);
      if (entry) this.apply(postId, entry, flat[i + 1]!, flat[i + 2]!, flat[i + 3] === 1);
      else if (flat[i + 3] === 0) {
        // Delivery can beat the POST's answer; re-fetched posts of before the run are not ours.
        let list = this.early.get(postId);
        if (!list) this.early.set(postId, (list = []));
        list.push(flat[i + 1]!, flat[i + 2]!, 0);
      }
    }
  }

  private apply(postId: number, entry: PostEntry, userId: number, at: number, viaFeed: boolean): void {
    const state = entry.state.get(userId);
    if (viaFeed) {
      if (state === 0) {
        entry.state.set(userId, 2);
        this.deliveries.push({ postId, userId, sentAt: entry.sentAt, at, viaFeed: true });
      }
      return;
    }
    if (state === undefined) {
      this.unexpecteds.push({ postId, userId, at });
      return;
    }
    if (state === 1) {
      this.duplicates.push({ postId, userId, at });
      return;
    }
    let last = this.lastLive.get(userId);
    if (!last) this.lastLive.set(userId, (last = new Map()));
    const prev = last.get(entry.authorId) ?? 0;
    if (postId < prev) this.outOfOrders.push({ postId, userId, at, after: prev });
    else last.set(entry.authorId, postId);
    if (state === 2) {
      // Already merged from the re-fetched feed: the SPA keeps it once.
      entry.state.set(userId, 1);
      return;
    }
    entry.state.set(userId, 1);
    this.deliveries.push({ postId, userId, sentAt: entry.sentAt, at, viaFeed: false });
  }

  get outstanding(): number {
    return this.expectedTotal - this.deliveries.length;
  }

  /** Owed deliveries of posts sent before `t` (ms). */
  outstandingBefore(t: number): number {
    let n = 0;
    for (const e of this.posts.values()) {
      if (e.sentAt >= t) continue;
      for (const s of e.state.values()) if (s === 0) n++;
    }
    return n;
  }

  /** Posts still owed: [postId, authorId, sentAt, users waiting]. */
  owed(limit = 10, from = -Infinity, to = Infinity): [number, number, number, number[]][] {
    const out: [number, number, number, number[]][] = [];
    for (const [postId, e] of this.posts) {
      if (e.sentAt < from || e.sentAt >= to) continue;
      const waiting = [...e.state].filter(([, s]) => s === 0).map(([u]) => u);
      if (waiting.length === 0) continue;
      out.push([postId, e.authorId, e.sentAt, waiting.slice(0, 8)]);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Figures for the posts sent in [from, to). */
  counts(from = -Infinity, to = Infinity): LedgerCounts {
    let posts = 0;
    let expected = 0;
    let lost = 0;
    const ids = new Set<number>();
    for (const [id, e] of this.posts) {
      if (e.sentAt < from || e.sentAt >= to) continue;
      posts++;
      ids.add(id);
      expected += e.state.size;
      for (const s of e.state.values()) if (s === 0) lost++;
    }
    const mine = this.deliveries.filter((d) => d.sentAt >= from && d.sentAt < to);
    const live = Float64Array.from(mine.filter((d) => !d.viaFeed).map((d) => d.at - d.sentAt)).sort();
    const q = (p: number) => nearestRank(live, p);
    return {
      posts,
      expected,
      delivered: mine.length,
      deliveredViaFeed: mine.filter((d) => d.viaFeed).length,
      lost,
      duplicated: this.duplicates.filter((d) => ids.has(d.postId)).length,
      outOfOrder: this.outOfOrders.filter((d) => ids.has(d.postId)).length,
      unexpected: this.unexpecteds.filter((d) => ids.has(d.postId)).length,
      latencyMs: { p50: q(0.5), p99: q(0.99), max: live.length ? live[live.length - 1]! : NaN },
    };
  }

  /** Receipts for ids the poster never registered (e.g. a POST whose answer was lost). */
  get orphans(): number {
    let n = 0;
    for (const list of this.early.values()) n += list.length / 3;
    return n;
  }
}
