// A person's profile and latest posts; follow or unfollow them. On one's own profile, posts
// can be edited and deleted.
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import { postsBy } from '../api/posts.ts';
import type { Post, User } from '../api/types.ts';
import { displayName, getUser } from '../api/users.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { FollowButton } from '../components/FollowButton.tsx';
import { Link } from '../components/Link.tsx';
import { PostCard } from '../components/PostCard.tsx';
import { paths } from '../router.ts';

export function ProfilePage({ id, me }: { id: string; me: string }) {
  const [user, setUser] = useState<User | null>(null);
  const [posts, setPosts] = useState<Post[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const own = id === me;

  useEffect(() => {
    let active = true;
    setUser(null);
    setPosts(null);
    setError(null);
    getUser(id, true).then(
      (u) => active && setUser(u),
      (err) => active && setError(messageOf(err)),
    );
    postsBy(id, 50).then(
      (p) => active && setPosts(p),
      (err) => active && setError(messageOf(err)),
    );
    return () => {
      active = false;
    };
  }, [id, attempt]);

  if (error && !user) {
    return (
      <div class="page">
        <h1 tabIndex={-1}>Profile</h1>
        <ErrorMessage message={error} onRetry={() => setAttempt(attempt + 1)} />
      </div>
    );
  }
  if (!user) {
    return (
      <div class="page">
        <h1 tabIndex={-1}>Profile</h1>
        <p class="muted" role="status">
          Loading…
        </p>
      </div>
    );
  }

  const name = displayName(user);
  const details: [string, string | undefined][] = [
    ['User id', user.id],
    ['City', user.city],
    ['Birth date', user.birthdate],
  ];
  return (
    <div class="page">
      <section class="card profile">
        <h1 tabIndex={-1}>{name}</h1>
        <dl class="profile__details">
          {details
            .filter(([, value]) => value)
            .map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd class={label === 'User id' ? 'mono' : undefined}>{value}</dd>
              </div>
            ))}
        </dl>
        {user.biography && <p class="profile__bio">{user.biography}</p>}
        {!own && <FollowButton userId={user.id} name={name} />}
        {own && <p class="muted">This is you. Your followers see your posts in their feeds as soon as you post.</p>}
      </section>
      <h2 class="section-title">{own ? 'Your posts' : `Posts by ${name}`}</h2>
      <ErrorMessage message={error} />
      {posts === null ? (
        <p class="muted" role="status">
          Loading posts…
        </p>
      ) : posts.length === 0 ? (
        <EmptyState title={own ? 'You have not posted yet' : 'No posts yet'}>{own && <Link href={paths.feed()}>Write your first post</Link>}</EmptyState>
      ) : (
        <div class="feed">
          {posts.map((post) => (
            <PostCard key={post.id} post={post} me={me} onEdited={(pid, text) => setPosts(posts.map((p) => (p.id === pid ? { ...p, text } : p)))} onDeleted={(pid) => setPosts(posts.filter((p) => p.id !== pid))} />
          ))}
        </div>
      )}
    </div>
  );
}
