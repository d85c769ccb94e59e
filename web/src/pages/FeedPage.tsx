// The news feed: write a post, read friends' posts newest first, watch new ones arrive live.
import { useState } from 'preact/hooks';
import { createPost } from '../api/posts.ts';
import { FeedList } from '../components/FeedList.tsx';
import { Link } from '../components/Link.tsx';
import { NewPostsPill } from '../components/NewPostsPill.tsx';
import { PostEditor } from '../components/PostEditor.tsx';
import { useFeed } from '../feed/useFeed.ts';
import { paths } from '../router.ts';

export function FeedPage({ me }: { me: string }) {
  const feed = useFeed();
  const [posted, setPosted] = useState<string | null>(null);
  const [welcome] = useState(() => {
    const id = sessionStorage.getItem('feed.welcome');
    sessionStorage.removeItem('feed.welcome');
    return id;
  });

  return (
    <div class="page">
      <h1 tabIndex={-1}>Feed</h1>
      {welcome && (
        <p class="notice" role="status">
          Welcome! Your user id is <strong class="mono">{welcome}</strong>: you log in with it, so keep it somewhere safe.
        </p>
      )}
      <section class="card" aria-label="Write a post">
        <PostEditor
          id="new-post"
          label="What's new?"
          submitLabel="Post"
          busyLabel="Posting…"
          clearOnSubmit
          onSubmit={async (text) => {
            const id = await createPost(text);
            setPosted(id);
          }}
        />
        {posted && (
          <p class="muted" role="status">
            Posted. Your followers see it now; your posts are on <Link href={paths.profile(me)}>your profile</Link>.
          </p>
        )}
      </section>
      <NewPostsPill count={feed.state.incoming.length} onShow={feed.reveal} />
      <h2 class="visually-hidden">Posts</h2>
      <FeedList state={feed.state} me={me} onLoadMore={feed.loadMore} onRetry={feed.reload} />
    </div>
  );
}
