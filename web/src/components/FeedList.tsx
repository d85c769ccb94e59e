// The feed: posts newest first, more loaded as the reader nears the end (or presses the button).
import { useEffect, useRef } from 'preact/hooks';
import type { FeedState } from '../feed/state.ts';
import { EmptyState } from './EmptyState.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { Link } from './Link.tsx';
import { PostCard } from './PostCard.tsx';
import { paths } from '../router.ts';

export interface FeedListProps {
  state: FeedState;
  me: string | null;
  onLoadMore(): void;
  onRetry(): void;
}

export function FeedList({ state, me, onLoadMore, onRetry }: FeedListProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(onLoadMore);
  more.current = onLoadMore;

  useEffect(() => {
    const target = sentinel.current;
    if (!target || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) more.current();
      },
      { rootMargin: '600px 0px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [state.exhausted, state.posts.length === 0]);

  if (state.loading === 'initial' && state.posts.length === 0) {
    return (
      <p class="muted" role="status">
        Loading your feed…
      </p>
    );
  }
  if (state.posts.length === 0 && state.error) return <ErrorMessage message={state.error} onRetry={onRetry} />;
  if (state.posts.length === 0 && state.incoming.length === 0) {
    return (
      <EmptyState title="Your feed is empty">
        <p>
          Posts from people you follow appear here, live. <Link href={paths.people()}>Find people to follow</Link>.
        </p>
      </EmptyState>
    );
  }

  return (
    <>
      <section role="feed" aria-label="Posts from people you follow" aria-busy={state.loading !== null} class="feed">
        {state.posts.map((post, i) => (
          <PostCard key={post.id} post={post} me={me} posinset={i + 1} />
        ))}
      </section>
      <div ref={sentinel} class="feed__end">
        {state.error ? (
          <ErrorMessage message={state.error} onRetry={onLoadMore} />
        ) : state.exhausted ? (
          <p class="muted">You're all caught up.</p>
        ) : (
          <button type="button" class="button button--quiet" onClick={onLoadMore} disabled={state.loading !== null}>
            {state.loading === 'more' ? 'Loading…' : 'Load older posts'}
          </button>
        )}
      </div>
    </>
  );
}
