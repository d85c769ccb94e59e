import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '@feed/client';
import { applyEvent, feedReducer, initialFeed, needsRefetch, type FeedState } from './state.ts';

const post = (id: number, author = '1', text = `post ${id}`) => ({ id: String(id), text, author_user_id: author });
const created = (id: number, author = '1'): FeedEvent => ({ id: `e${id}`, type: 'post.created', data: post(id, author) });

function loaded(...ids: number[]): FeedState {
  return feedReducer(initialFeed, { type: 'page', offset: 0, limit: 20, posts: ids.map((i) => post(i)) });
}

describe('feed state', () => {
  it('appends pages, keeping each post once, and knows where the next page starts', () => {
    let s = feedReducer(initialFeed, { type: 'page', offset: 0, limit: 3, posts: [post(9), post(8), post(7)] });
    expect(s.nextOffset).toBe(3);
    expect(s.exhausted).toBe(false);
    s = feedReducer(s, { type: 'page', offset: 3, limit: 3, posts: [post(7), post(6)] }); // overlap after a shift
    expect(s.posts.map((p) => p.id)).toEqual(['9', '8', '7', '6']);
    expect(s.exhausted).toBe(true);
    expect(s.loading).toBeNull();
  });

  it('puts a new post at the top, highlighted, when the reader is at the top', () => {
    const s = applyEvent(loaded(5, 4), created(6), false);
    expect(s.posts.map((p) => p.id)).toEqual(['6', '5', '4']);
    expect(s.posts[0]!.fresh).toBe(true);
    expect(s.incoming).toEqual([]);
    expect(s.nextOffset).toBe(3); // the server's feed grew above what we hold
  });

  it('holds new posts back while the reader is scrolled down, then reveals them', () => {
    let s = applyEvent(loaded(5, 4), created(6), true);
    s = applyEvent(s, created(7), true);
    expect(s.posts.map((p) => p.id)).toEqual(['5', '4']);
    expect(s.incoming.map((p) => p.id)).toEqual(['7', '6']);
    s = feedReducer(s, { type: 'reveal' });
    expect(s.posts.map((p) => p.id)).toEqual(['7', '6', '5', '4']);
    expect(s.incoming).toEqual([]);
  });

  it('applies a post once, however often it arrives', () => {
    let s = applyEvent(loaded(5), created(6), false);
    s = applyEvent(s, { ...created(6), id: 'other' }, false);
    s = applyEvent(s, created(5), false);
    expect(s.posts.map((p) => p.id)).toEqual(['6', '5']);
    expect(s.nextOffset).toBe(2);
  });

  it('keeps newest first when events arrive out of order', () => {
    let s = applyEvent(loaded(10), created(12), false);
    s = applyEvent(s, created(11), false);
    s = applyEvent(s, created(100), false);
    expect(s.posts.map((p) => p.id)).toEqual(['100', '12', '11', '10']);
  });

  it('edits in place, on screen and held back', () => {
    let s = applyEvent(loaded(5, 4), created(6), true);
    s = applyEvent(s, { id: 'u1', type: 'post.updated', data: { ...post(4), text: 'changed' } }, true);
    s = applyEvent(s, { id: 'u2', type: 'post.updated', data: { ...post(6), text: 'also changed' } }, true);
    expect(s.posts.find((p) => p.id === '4')).toMatchObject({ text: 'changed', edited: true });
    expect(s.incoming[0]).toMatchObject({ text: 'also changed', edited: true });
    expect(applyEvent(s, { id: 'u3', type: 'post.updated', data: { ...post(99), text: 'x' } }, false)).toBe(s);
  });

  it('removes deleted posts and shifts the next page back', () => {
    let s = loaded(5, 4, 3);
    s = applyEvent(s, { id: 'd', type: 'post.deleted', data: { id: '4', author_user_id: '1' } }, false);
    expect(s.posts.map((p) => p.id)).toEqual(['5', '3']);
    expect(s.nextOffset).toBe(2);
    expect(applyEvent(s, { id: 'd2', type: 'post.deleted', data: { id: '77', author_user_id: '1' } }, false)).toBe(s);
  });

  it("drops an unfollowed author's posts", () => {
    let s = feedReducer(initialFeed, { type: 'page', offset: 0, limit: 20, posts: [post(5, 'a'), post(4, 'b'), post(3, 'a')] });
    s = applyEvent(s, { id: 'f', type: 'friend.unfollowed', data: { user_id: 'a' } }, false);
    expect(s.posts.map((p) => p.id)).toEqual(['4']);
    expect(s.nextOffset).toBe(1);
  });

  it('asks for a refetch on feed.reset and on a new follow', () => {
    expect(needsRefetch({ id: 'r', type: 'feed.reset', data: { reason: 'gap' } })).toBe(true);
    expect(needsRefetch({ id: 'f', type: 'friend.followed', data: { user_id: '2' } })).toBe(true);
    expect(needsRefetch(created(1))).toBe(false);
  });

  it('a refetch replaces the posts and clears what was held back', () => {
    let s = applyEvent(loaded(5), created(6), true);
    s = feedReducer(s, { type: 'page', offset: 0, limit: 20, posts: [post(6), post(5)], replace: true });
    expect(s.posts.map((p) => p.id)).toEqual(['6', '5']);
    expect(s.incoming).toEqual([]);
  });

  it('settles the highlight', () => {
    let s = applyEvent(loaded(5), created(6), false);
    s = feedReducer(s, { type: 'settle', id: '6' });
    expect(s.posts[0]!.fresh).toBe(false);
  });
});

describe('a refetch racing live events', () => {
  it('keeps what arrived live while the replacing page was in flight, and drops what was deleted meanwhile', () => {
    // A follow asks for the feed again; before the answer, a new post and a deletion arrive live.
    let state = feedReducer(loaded(3, 2, 1), { type: 'load', mode: 'initial' });
    state = feedReducer(state, { type: 'live', event: created(4), reading: false });
    state = feedReducer(state, { type: 'live', event: { id: 'e5', type: 'post.deleted', data: { id: '2', author_user_id: '1' } }, reading: false });
    // The page was read before both.
    state = feedReducer(state, { type: 'page', offset: 0, limit: 20, posts: [post(3), post(2), post(1)], replace: true });
    expect(state.posts.map((p) => p.id)).toEqual(['4', '3', '1']);
    expect(state.nextOffset).toBe(3);
    // Later pages start from a clean slate.
    expect(state.sinceLoad).toEqual([]);
  });

  it('applies nothing twice when the page already has what arrived live', () => {
    let state = feedReducer(loaded(1), { type: 'load', mode: 'initial' });
    state = feedReducer(state, { type: 'live', event: created(2), reading: false });
    state = feedReducer(state, { type: 'page', offset: 0, limit: 20, posts: [post(2), post(1)], replace: true });
    expect(state.posts.map((p) => p.id)).toEqual(['2', '1']);
    expect(state.nextOffset).toBe(2);
  });
});
