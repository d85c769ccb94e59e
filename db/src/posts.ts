import type { Queryable } from './pool.ts';

export interface Post {
  id: string;
  text: string;
  author_user_id: string;
}

const POST_COLUMNS = 'id::text AS id, text, author_id::text AS author_user_id';

export async function findPost(db: Queryable, id: string): Promise<Post | undefined> {
  const { rows } = await db.query<Post>(`SELECT ${POST_COLUMNS} FROM posts WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return rows[0];
}

/** Locks the live post for an edit by its author; undefined when it does not exist or is deleted. */
export async function lockPost(tx: Queryable, id: string): Promise<Post | undefined> {
  const { rows } = await tx.query<Post>(`SELECT ${POST_COLUMNS} FROM posts WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, [id]);
  return rows[0];
}

export async function updatePostText(tx: Queryable, id: string, text: string): Promise<void> {
  await tx.query('UPDATE posts SET text = $2, updated_at = now() WHERE id = $1', [id, text]);
}

export async function markPostDeleted(tx: Queryable, id: string): Promise<void> {
  await tx.query('UPDATE posts SET deleted_at = now() WHERE id = $1', [id]);
}

/** Bodies for many ids at once, in no particular order; deleted posts are left out. */
export async function findPosts(db: Queryable, ids: readonly string[]): Promise<Post[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Post>(`SELECT ${POST_COLUMNS} FROM posts WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL`, [ids]);
  return rows;
}

/** An author's most recent live posts, newest first. */
export async function recentPostsBy(db: Queryable, authorId: string, limit: number): Promise<Post[]> {
  const { rows } = await db.query<Post>(`SELECT ${POST_COLUMNS} FROM posts WHERE author_id = $1 AND deleted_at IS NULL ORDER BY posts.id DESC LIMIT $2`, [authorId, limit]);
  return rows;
}
