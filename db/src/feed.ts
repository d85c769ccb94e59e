import type { Post } from './posts.ts';
import type { Queryable } from './pool.ts';

/**
 * The feed straight from Postgres: live posts of everyone `userId` follows, newest first.
 * The source of truth behind the Redis cache, and the path for pages beyond it.
 * `beforeId` (exclusive) lets a caller continue below a cursor instead of a large OFFSET.
 */
export async function feedFromDatabase(db: Queryable, userId: string, page: { offset: number; limit: number; beforeId?: string | undefined }): Promise<Post[]> {
  const { rows } = await db.query<Post>(
    `SELECT p.id::text AS id, p.text, p.author_id::text AS author_user_id
       FROM follows f
       JOIN posts p ON p.author_id = f.followee_id AND p.deleted_at IS NULL
      WHERE f.follower_id = $1 AND ($4::bigint IS NULL OR p.id < $4::bigint)
      ORDER BY p.id DESC
      OFFSET $2 LIMIT $3`,
    [userId, page.offset, page.limit, page.beforeId ?? null],
  );
  return rows;
}
