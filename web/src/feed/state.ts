// The feed as the page holds it, and how pages from the REST API and live events change it.
// Pure functions: the components and the live connection only dispatch actions.
import type { Post } from '../api/types.ts';
import type { FeedEvent } from '@feed/client';

export interface FeedPost extends Post {
  /** Arrived live: highlighted for a moment. */
  fresh?: boolean;
  /** Edited live while on screen. */
  edited?: boolean;
}

export interface FeedState {
  /** On screen, newest first. */
  posts: FeedPost[];
  /** Arrived while the reader was scrolled down: held back behind the "N new posts" pill. */
  incoming: FeedPost[];
  /** The offset of the next page: everything above it in the server's feed is already here. */
  nextOffset: number;
  /** The server has no older posts. */
  exhausted: boolean;
  loading: 'initial' | 'more' | null;
  error: string | null;
  /**
   * Live events since a replacing fetch began. The page it answers may have been read before they
   * happened: they are applied again on top of it, so a post that arrived meanwhile stays.
   */
  sinceLoad: { event: FeedEvent; reading: boolean }[];
}

export type FeedAction =
  | { type: 'load'; mode: 'initial' | 'more' }
  | { type: 'page'; offset: number; limit: number; posts: Post[]; replace?: boolean }
  | { type: 'failed'; message: string }
  | { type: 'live'; event: FeedEvent; reading: boolean }
  | { type: 'reveal' }
  | { type: 'settle'; id: string };

export const initialFeed: FeedState = { posts: [], incoming: [], nextOffset: 0, exhausted: false, loading: 'initial', error: null, sinceLoad: [] };

/** Post ids are increasing integers: a larger id is a newer post. */
export function newer(a: Pick<Post, 'id'>, b: Pick<Post, 'id'>): number {
  if (a.id.length !== b.id.length) return b.id.length - a.id.length;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const has = (list: readonly Post[], id: string) => list.some((p) => p.id === id);

export function feedReducer(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case 'load':
      return { ...state, loading: action.mode, error: null, sinceLoad: action.mode === 'initial' ? [] : state.sinceLoad };
    case 'failed':
      return { ...state, loading: null, error: action.message };
    case 'page': {
      const base = action.replace ? [] : state.posts;
      const incoming = action.replace ? [] : state.incoming;
      // Pages overlap when posts arrived or went away since the last one: keep each post once.
      const added = action.posts.filter((p) => !has(base, p.id) && !has(incoming, p.id));
      const paged: FeedState = {
        ...state,
        posts: [...base, ...added],
        incoming,
        nextOffset: action.offset + action.posts.length,
        exhausted: action.posts.length < action.limit,
        loading: null,
        error: null,
        sinceLoad: [],
      };
      // Events applied already are applied once more to the new page; each is idempotent.
      return action.replace ? state.sinceLoad.reduce((next, { event, reading }) => applyEvent(next, event, reading), paged) : paged;
    }
    case 'reveal':
      return state.incoming.length === 0 ? state : { ...state, posts: [...state.incoming, ...state.posts], incoming: [] };
    case 'settle':
      return { ...state, posts: state.posts.map((p) => (p.id === action.id && p.fresh ? { ...p, fresh: false } : p)) };
    case 'live': {
      const next = applyEvent(state, action.event, action.reading);
      return state.loading === 'initial' ? { ...next, sinceLoad: [...state.sinceLoad, { event: action.event, reading: action.reading }] } : next;
    }
  }
}

/**
 * One live event. `reading` means the person is scrolled down into the feed: new posts wait
 * behind the pill instead of pushing what they read out of place.
 */
export function applyEvent(state: FeedState, event: FeedEvent, reading: boolean): FeedState {
  switch (event.type) {
    case 'post.created': {
      const post = event.data;
      if (has(state.posts, post.id) || has(state.incoming, post.id)) return state;
      const fresh: FeedPost = { id: post.id, text: post.text, author_user_id: post.author_user_id, fresh: true };
      // The server's feed grew by one above everything we hold: the next page starts one later.
      const nextOffset = state.nextOffset + 1;
      if (reading) return { ...state, incoming: insertSorted(state.incoming, fresh), nextOffset };
      return { ...state, posts: insertSorted(state.posts, fresh), nextOffset };
    }
    case 'post.updated': {
      const edit = (list: FeedPost[]) => list.map((p) => (p.id === event.data.id ? { ...p, text: event.data.text, edited: true } : p));
      if (!has(state.posts, event.data.id) && !has(state.incoming, event.data.id)) return state;
      return { ...state, posts: edit(state.posts), incoming: edit(state.incoming) };
    }
    case 'post.deleted': {
      const id = event.data.id;
      if (!has(state.posts, id) && !has(state.incoming, id)) return state;
      return {
        ...state,
        posts: state.posts.filter((p) => p.id !== id),
        incoming: state.incoming.filter((p) => p.id !== id),
        nextOffset: Math.max(0, state.nextOffset - 1),
      };
    }
    case 'friend.unfollowed': {
      const keep = (p: Post) => p.author_user_id !== event.data.user_id;
      const posts = state.posts.filter(keep);
      const incoming = state.incoming.filter(keep);
      const removed = state.posts.length - posts.length + (state.incoming.length - incoming.length);
      return removed === 0 ? state : { ...state, posts, incoming, nextOffset: Math.max(0, state.nextOffset - removed) };
    }
    case 'friend.followed':
    case 'feed.reset':
      // The feed changed in ways events do not describe (older posts joined it, or the stream
      // was reset): the caller refetches.
      return state;
  }
}

/** Whether an event asks for the feed to be fetched again from the top. */
export function needsRefetch(event: FeedEvent): boolean {
  return event.type === 'feed.reset' || event.type === 'friend.followed';
}

function insertSorted(list: FeedPost[], post: FeedPost): FeedPost[] {
  const at = list.findIndex((p) => newer(post, p) < 0);
  if (at === -1) return [...list, post];
  return [...list.slice(0, at), post, ...list.slice(at)];
}
