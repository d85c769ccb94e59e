import type { Queryable } from './pool.ts';

/** Returns true when the follow is new (false if it already existed: follow is idempotent). */
export async function follow(tx: Queryable, followerId: string, followeeId: string): Promise<boolean> {
  const { rowCount } = await tx.query('INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [followerId, followeeId]);
  if (rowCount !== 1) return false;
  await tx.query('UPDATE users SET follower_count = follower_count + 1 WHERE id = $1', [followeeId]);
  return true;
}

/** Returns true when a follow was removed. */
export async function unfollow(tx: Queryable, followerId: string, followeeId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [followerId, followeeId]);
  if (rowCount !== 1) return false;
  await tx.query('UPDATE users SET follower_count = follower_count - 1 WHERE id = $1', [followeeId]);
  return true;
}

export async function isFollowing(db: Queryable, followerId: string, followeeId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2', [followerId, followeeId]);
  return rowCount === 1;
}

/**
 * One page of an author's followers in id order, for fan-out in batches (keyset pagination).
 * `followedBy` keeps only follows made no later than that time: a post goes to those who
 * followed the author when it was written, even when it is fanned out later.
 */
export async function followersAfter(db: Queryable, authorId: string, afterId: string, limit: number, followedBy?: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT follower_id::text AS id FROM follows
      WHERE followee_id = $1 AND follower_id > $2 AND ($4::timestamptz IS NULL OR created_at <= $4::timestamptz)
      ORDER BY follower_id LIMIT $3`,
    [authorId, afterId, limit, followedBy ?? null],
  );
  return rows.map((r) => r.id);
}

/**
 * The followers of `authorId` in id order, one page of `batchSize` per query (keyset pagination
 * over followersAfter); the next page is read once the caller is done with this one.
 */
export async function* followerBatches(db: Queryable, authorId: string, batchSize: number, followedBy?: string): AsyncGenerator<string[]> {
  let after = '0';
  for (;;) {
    const batch = await followersAfter(db, authorId, after, batchSize, followedBy);
    if (batch.length === 0) return;
    yield batch;
    if (batch.length < batchSize) return;
    after = batch.at(-1)!;
  }
}

/**
 * Whether `authorId` has more followers than the celebrity threshold, by the count follow and
 * unfollow keep: a celebrity's posts are not fanned out on write.
 */
export async function isCelebrity(db: Queryable, authorId: string, threshold: number): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>('SELECT follower_count AS n FROM users WHERE id = $1', [authorId]);
  return (rows[0]?.n ?? 0) > threshold;
}

/** The people `userId` follows whose follower count is above the celebrity threshold. */
export async function celebritiesFollowedBy(db: Queryable, userId: string, threshold: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT f.followee_id::text AS id FROM follows f JOIN users u ON u.id = f.followee_id
      WHERE f.follower_id = $1 AND u.follower_count > $2`,
    [userId, threshold],
  );
  return rows.map((r) => r.id);
}
