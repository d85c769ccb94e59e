// The feed page's state: pages from the REST API as the reader scrolls, live events applied as
// they come, and the "N new posts" hold-back while the reader is scrolled down.
import { useCallback, useEffect, useReducer, useRef } from 'preact/hooks';
import { FEED_PAGE, getFeed } from '../api/feed.ts';
import { messageOf } from '../api/http.ts';
import { useLive } from '../live/context.tsx';
import { feedReducer, initialFeed, needsRefetch, type FeedState } from './state.ts';

/** Scrolled further than this from the top counts as reading: new posts wait behind the pill. */
export const READING_OFFSET_PX = 120;
const HIGHLIGHT_MS = 6_000;

export interface Feed {
  state: FeedState;
  loadMore(): void;
  reload(): void;
  /** Shows the held-back posts at the top. */
  reveal(): void;
}

export function useFeed(pageSize = FEED_PAGE): Feed {
  const [state, dispatch] = useReducer(feedReducer, initialFeed);
  const live = useLive();
  const stateRef = useRef(state);
  stateRef.current = state;
  const generation = useRef(0);
  const controller = useRef<AbortController | null>(null);

  const fetchPage = useCallback(
    async (mode: 'initial' | 'more') => {
      const current = stateRef.current;
      if (mode === 'more' && (current.loading || current.exhausted)) return;
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      const run = ++generation.current;
      const offset = mode === 'initial' ? 0 : current.nextOffset;
      // A reload keeps as many posts as were on screen, so the reader does not lose their place.
      const limit = mode === 'initial' ? Math.min(100, Math.max(pageSize, current.posts.length)) : pageSize;
      dispatch({ type: 'load', mode });
      try {
        const posts = await getFeed(offset, limit, abort.signal);
        if (run !== generation.current) return;
        dispatch({ type: 'page', offset, limit, posts, replace: mode === 'initial' });
      } catch (err) {
        if (run !== generation.current || abort.signal.aborted) return;
        dispatch({ type: 'failed', message: messageOf(err) });
      }
    },
    [pageSize],
  );

  useEffect(() => {
    void fetchPage('initial');
    return () => controller.current?.abort();
  }, [fetchPage]);

  // Live events: applied in place, new posts held back while reading further down.
  useEffect(
    () =>
      live.subscribe((event) => {
        if (needsRefetch(event)) {
          void fetchPage('initial');
          return;
        }
        dispatch({ type: 'live', event, reading: window.scrollY > READING_OFFSET_PX });
        if (event.type === 'post.created') {
          const id = event.data.id;
          setTimeout(() => dispatch({ type: 'settle', id }), HIGHLIGHT_MS);
        }
      }),
    [live.subscribe, fetchPage],
  );

  // Back at the top: the held-back posts take their place.
  useEffect(() => {
    const onScroll = () => {
      if (window.scrollY <= READING_OFFSET_PX / 4 && stateRef.current.incoming.length > 0) dispatch({ type: 'reveal' });
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);

  // When the connection comes back after a gap it resumes, so nothing is refetched; but a
  // first connection after the page loaded while offline may need the page again.
  const wasLive = useRef(false);
  useEffect(() => {
    if (live.status.state === 'live' && !wasLive.current && stateRef.current.error) void fetchPage('initial');
    if (live.status.state === 'live') wasLive.current = true;
  }, [live.status.state, fetchPage]);

  return {
    state,
    loadMore: () => void fetchPage('more'),
    reload: () => void fetchPage('initial'),
    reveal: () => {
      dispatch({ type: 'reveal' });
      window.scrollTo({ top: 0, behavior: window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    },
  };
}
