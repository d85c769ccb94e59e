// The ledger's bookkeeping, receipt by receipt: no servers, times are made up.
import { describe, expect, it } from 'vitest';
import { LIVE, Ledger, REFETCHED } from './ledger.ts';

const ALICE = 1;
const BOB = 2;
const AUTHOR = 10;
const OTHER_AUTHOR = 11;

describe('ledger', () => {
  it('delivers a post once to each recipient and measures from the send', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE, BOB]);
    expect(l.outstanding).toBe(2);
    l.receipts([100, ALICE, 1010, LIVE, 100, BOB, 1030, LIVE]);
    expect(l.outstanding).toBe(0);
    const c = l.counts();
    expect(c).toMatchObject({ posts: 1, expected: 2, delivered: 2, deliveredViaFeed: 0, lost: 0, duplicated: 0, outOfOrder: 0, unexpected: 0 });
    expect(c.latencyMs).toEqual({ p50: 10, p95: 30, p99: 30, max: 30, mean: 20 });
  });

  it('keeps receipts that beat the POST answer until the post is expected', () => {
    const l = new Ledger();
    l.receipt(100, ALICE, 1005);
    expect(l.orphans).toBe(1);
    expect(l.delivered).toBe(0);
    l.expect(100, AUTHOR, 1000, [ALICE, BOB]);
    expect(l.orphans).toBe(0);
    expect(l.deliveries).toEqual([{ postId: 100, userId: ALICE, sentAt: 1000, at: 1005, viaFeed: false }]);
    expect(l.owed()).toEqual([[100, AUTHOR, 1000, [BOB]]]);
  });

  it('counts a live receipt of a post never expected as an orphan, not a delivery', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE]);
    l.receipts([100, ALICE, 1010, LIVE, 999, ALICE, 1020, LIVE]);
    const s = l.summary();
    expect(s.orphans).toBe(1);
    expect(s.unexpected).toBe(0);
    expect(s.delivered).toBe(1);
  });

  it('counts a second live copy as a duplicate, by the author kind', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE], 'celebrity');
    l.receipts([100, ALICE, 1010, LIVE, 100, ALICE, 1050, LIVE]);
    expect(l.delivered).toBe(1);
    expect(l.duplicates).toEqual([{ postId: 100, userId: ALICE, at: 1050 }]);
    const s = l.summary();
    expect(s.duplicated).toBe(1);
    expect(s.duplicatedByAuthor).toEqual({ ordinary: 0, celebrity: 1 });
  });

  it('counts a post that reaches a user not owed it as unexpected', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE]);
    l.receipt(100, BOB, 1010);
    expect(l.unexpecteds).toEqual([{ postId: 100, userId: BOB, at: 1010 }]);
    expect(l.counts()).toMatchObject({ delivered: 0, lost: 1, unexpected: 1 });
  });

  it('finds a user getting an author’s post after a later one of the same author, per author', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE, BOB]);
    l.expect(101, AUTHOR, 1001, [ALICE, BOB]);
    l.expect(102, OTHER_AUTHOR, 1002, [ALICE]);
    // Bob gets them in order; Alice gets 101 first, and 102 (another author) between.
    l.receipts([100, BOB, 1010, LIVE, 101, BOB, 1011, LIVE, 101, ALICE, 1010, LIVE, 102, ALICE, 1011, LIVE, 100, ALICE, 1012, LIVE]);
    expect(l.outOfOrders).toEqual([{ postId: 100, userId: ALICE, at: 1012, after: 101 }]);
    expect(l.counts()).toMatchObject({ delivered: 5, lost: 0, outOfOrder: 1 });
  });

  it('takes a re-fetched post as delivered once, and neither copy of it as a duplicate', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE, BOB]);
    // Alice's stream missed it and the refetch brought it; the live frame came after all.
    l.receipts([100, ALICE, 3000, REFETCHED, 100, ALICE, 3010, LIVE]);
    // Bob had it live; his refetch shows it again.
    l.receipts([100, BOB, 1010, LIVE, 100, BOB, 3000, REFETCHED]);
    const c = l.counts();
    expect(c).toMatchObject({ delivered: 2, deliveredViaFeed: 1, duplicated: 0, lost: 0 });
    // Only the live delivery has a latency.
    expect(c.latencyMs.max).toBe(10);
    // A second live copy after the refetched one is a duplicate again.
    l.receipt(100, ALICE, 3020);
    expect(l.counts().duplicated).toBe(1);
  });

  it('ignores re-fetched posts not owed to the user, and applies early re-fetched receipts once expected', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE]);
    l.receipts([100, BOB, 2000, REFETCHED, 101, ALICE, 2000, REFETCHED]);
    expect(l.counts().unexpected).toBe(0);
    expect(l.orphans).toBe(0);
    l.expect(101, AUTHOR, 1500, [ALICE]);
    expect(l.deliveries.at(-1)).toEqual({ postId: 101, userId: ALICE, sentAt: 1500, at: 2000, viaFeed: true });
  });

  it('leaves ignored (warm-up) posts out of every figure, receipts before and after ignore()', () => {
    const l = new Ledger();
    l.receipt(100, ALICE, 1005);
    l.ignore(100);
    l.receipt(100, BOB, 1010);
    l.expect(101, AUTHOR, 1000, [ALICE]);
    const s = l.summary();
    expect(s).toMatchObject({ posts: 1, expected: 1, delivered: 0, unexpected: 0, orphans: 0 });
  });

  it('counts a window by the send time of its posts', () => {
    const l = new Ledger();
    l.expect(100, AUTHOR, 1000, [ALICE, BOB]);
    l.expect(101, AUTHOR, 2000, [ALICE, BOB]);
    l.expect(102, AUTHOR, 3000, [ALICE]);
    l.receipts([100, ALICE, 1010, LIVE, 100, BOB, 1020, LIVE, 100, BOB, 1030, LIVE]);
    l.receipts([101, ALICE, 2500, REFETCHED, 101, BOB, 2100, LIVE]);
    expect(l.counts(0, 2000)).toMatchObject({ posts: 1, expected: 2, delivered: 2, duplicated: 1, lost: 0 });
    expect(l.counts(2000, 3000)).toMatchObject({ posts: 1, expected: 2, delivered: 2, deliveredViaFeed: 1, duplicated: 0, lost: 0 });
    expect(l.counts(2000, 3000).latencyMs.p99).toBe(100);
    expect(l.counts(3000)).toMatchObject({ posts: 1, expected: 1, delivered: 0, lost: 1 });
    expect(l.outstandingBefore(3000)).toBe(0);
    expect(l.outstandingBefore(3001)).toBe(1);
    expect(l.owed(10, 0, 3000)).toEqual([]);
    expect(l.owed(10, 3000)).toEqual([[102, AUTHOR, 3000, [ALICE]]]);
  });

  it('splits the latency by author kind and by the recipient’s path, over the posting window', () => {
    const paths = new Map([
      [ALICE, 'ws direct'],
      [BOB, 'sse via HAProxy'],
    ]);
    const l = new Ledger((u) => paths.get(u) ?? 'unknown');
    l.expect(100, AUTHOR, 1000, [ALICE, BOB]);
    l.expect(101, OTHER_AUTHOR, 1000, [ALICE], 'celebrity');
    l.receipts([100, ALICE, 1010, LIVE, 100, BOB, 1020, LIVE, 101, ALICE, 1100, LIVE]);
    const s = l.summary();
    expect(s.byAuthor).toEqual({ ordinary: { deliveries: 2, p50: 10, p99: 20 }, celebrity: { deliveries: 1, p50: 100, p99: 100 } });
    expect(s.byPath).toEqual({ 'sse via HAProxy': { deliveries: 1, p50: 20, p99: 20 }, 'ws direct': { deliveries: 2, p50: 10, p99: 100 } });
    expect(s.windowSeconds).toBeCloseTo(0.1);
    expect(s.deliveriesPerSecond).toBeCloseTo(30);
    expect(l.latencySample()).toEqual([10, 20, 100]);
    expect(l.latencySample(2)).toEqual([10, 20]);
  });

  it('lays out each post’s deliveries in send order', () => {
    const l = new Ledger();
    l.expect(101, AUTHOR, 2000, [ALICE], 'celebrity', 2004);
    l.expect(100, AUTHOR, 1000, [ALICE, BOB], 'ordinary', 1003);
    l.receipts([100, ALICE, 1010, LIVE, 100, BOB, 1030, LIVE]);
    expect(l.postTimeline()).toEqual([
      [0, 3, 10, 30, 2, false],
      [1000, 4, NaN, NaN, 0, true],
    ]);
  });
  it('lists orphan receipts and says what another ledger knew of each (a copy of a post it had already delivered)', () => {
    const measured = new Ledger();
    measured.ignore(50);
    measured.expect(100, AUTHOR, 1000, [ALICE]);
    measured.expect(101, AUTHOR, 1000, [ALICE]);
    measured.receipts([100, ALICE, 1040, LIVE]);
    const step = new Ledger();
    step.receipts([100, ALICE, 2000, LIVE, 101, BOB, 2001, LIVE, 50, ALICE, 2002, LIVE, 777, ALICE, 2003, REFETCHED]);
    expect(step.orphanReceipts()).toEqual([
      [100, ALICE, 2000],
      [101, BOB, 2001],
      [50, ALICE, 2002],
    ]);
    expect(step.orphanReceipts(1)).toEqual([[100, ALICE, 2000]]);
    expect(measured.standing(100, ALICE)).toBe('already received (live, 40 ms after it was sent)');
    expect(measured.standing(101, BOB)).toBe('not owed to this user');
    expect(measured.standing(101, ALICE)).toBe('owed, not yet received');
    expect(measured.standing(50, ALICE)).toBe('a warm-up post');
    expect(measured.standing(999, ALICE)).toBe('not posted in this ledger');
  });
});
