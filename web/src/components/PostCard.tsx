// One post. Its text is always rendered as text (a text node, never HTML), whatever it holds.
// The author may edit or delete it in place.
import { useState } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import { deletePost, updatePost } from '../api/posts.ts';
import type { FeedPost } from '../feed/state.ts';
import { AuthorName } from './AuthorName.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { PostEditor } from './PostEditor.tsx';

export interface PostCardProps {
  post: FeedPost;
  /** The signed-in user's id: their own posts get edit and delete. */
  me: string | null;
  onEdited?(id: string, text: string): void;
  onDeleted?(id: string): void;
  posinset?: number;
}

export function PostCard({ post, me, onEdited, onDeleted, posinset }: PostCardProps) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const own = me !== null && post.author_user_id === me;
  const headingId = `post-${post.id}-author`;

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await deletePost(post.id);
      onDeleted?.(post.id);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <article class={`post${post.fresh ? ' post--fresh' : ''}`} aria-labelledby={headingId} aria-posinset={posinset} aria-setsize={-1} data-post-id={post.id} tabIndex={0}>
      <header class="post__head">
        <h3 class="post__author" id={headingId}>
          <AuthorName userId={post.author_user_id} />
        </h3>
        {post.fresh && <span class="badge">New</span>}
        {post.edited && <span class="post__edited">edited</span>}
      </header>
      {editing ? (
        <PostEditor
          id={`edit-${post.id}`}
          label="Edit your post"
          initial={post.text}
          submitLabel="Save"
          autoFocus
          onCancel={() => setEditing(false)}
          onSubmit={async (text) => {
            await updatePost(post.id, text);
            onEdited?.(post.id, text);
            setEditing(false);
          }}
        />
      ) : (
        <p class="post__text">{post.text}</p>
      )}
      {own && !editing && (
        <div class="post__actions">
          {confirming ? (
            <>
              <span class="post__confirm">Delete this post?</span>
              <button type="button" class="button button--danger button--small" onClick={remove} disabled={busy}>
                {busy ? 'Deleting…' : 'Yes, delete'}
              </button>
              <button type="button" class="button button--quiet button--small" onClick={() => setConfirming(false)} disabled={busy}>
                Keep it
              </button>
            </>
          ) : (
            <>
              <button type="button" class="button button--quiet button--small" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button type="button" class="button button--quiet button--small" onClick={() => setConfirming(true)}>
                Delete
              </button>
            </>
          )}
        </div>
      )}
      <ErrorMessage message={error} />
    </article>
  );
}
