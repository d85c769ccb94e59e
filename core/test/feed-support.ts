// Helpers shared by the feed-pipeline suites: what a user sees (GET /post/feed), what Redis
// holds (cached feed, event log), and the truth in Postgres.
import { expect } from 'vitest';
import type { Pipeline } from './pipeline.ts';
import type { Client } from './client.ts';
import { unlinkMatching } from '@feed/cache';

export interface FeedPost {
  id: string;
  text: string;
  author_user_id: string;
}

/** GET /post/feed as the user sees it. */
export async function feed(user: Client, offset = 0, limit = 100): Promise<FeedPost[]> {
  const res = await user.get(`/post/feed?offset=${offset}&limit=${limit}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as FeedPost[];
}

export async function feedIds(user: Client, offset = 0, limit = 100): Promise<string[]> {
  return (await feed(user, offset, limit)).map((p) => p.id);
}

/** The post ids in the user's cached feed ZSET (newest first), or null when it is not built. */
export async function cachedIds(p: Pipeline, userId: string): Promise<string[] | null> {
  return (await p.cache.feeds.page(userId, 0, 100_000))?.ids ?? null;
}

export interface LogEvent {
  type: string;
  postId?: string;
  authorId?: string;
  text?: string;
  [k: string]: unknown;
}

/** Every event in the user's log, oldest first (opens the log if it was missing). */
export async function logEvents(p: Pipeline, userId: string): Promise<LogEvent[]> {
  const epoch = await p.cache.logs.open(userId);
  const read = await p.cache.logs.readAfter(userId, epoch, '0-0');
  expect(read.status).toBe('ok');
  return read.status === 'ok' ? read.entries.map((e) => JSON.parse(e.payload) as LogEvent) : [];
}

/** Builds an empty feed for the user as a reader would (lock, replace). */
export async function buildEmptyFeed(p: Pipeline, userId: string): Promise<void> {
  const token = await p.cache.feeds.lock(userId, 10_000);
  if (!token) throw new Error(`feed of ${userId} is locked`);
  await p.cache.feeds.replace(userId, [], token);
}

/** The truth: live posts of the user's followees, newest first. */
export async function truthIds(p: Pipeline, userId: string): Promise<string[]> {
  const { rows } = await p.db.query<{ id: string }>(
    `SELECT p.id::text AS id FROM follows f JOIN posts p ON p.author_id = f.followee_id
      WHERE f.follower_id = $1 AND p.deleted_at IS NULL ORDER BY p.id DESC`,
    [userId],
  );
  return rows.map((r) => r.id);
}

/** Inserts `count` users straight into Postgres (no login possible: the hash is a dummy). */
export async function bulkUsers(p: Pipeline, count: number): Promise<string[]> {
  const { rows } = await p.db.query<{ id: string }>(
    `INSERT INTO users (first_name, second_name, password_hash)
     SELECT 'Bulk', 'User' || g, 'not-a-real-hash' FROM generate_series(1, $1) g
     RETURNING id::text AS id`,
    [count],
  );
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}

/** Makes every one of `followerIds` follow `authorId`, keeping users.follower_count in step. */
export async function bulkFollow(p: Pipeline, followerIds: readonly string[], authorId: string): Promise<void> {
  await p.db.query(`INSERT INTO follows (follower_id, followee_id) SELECT f, $2 FROM unnest($1::bigint[]) f ON CONFLICT DO NOTHING`, [followerIds, authorId]);
  await p.db.query('UPDATE users SET follower_count = (SELECT count(*) FROM follows WHERE followee_id = $1) WHERE id = $1', [authorId]);
}

/** Posts through the API; returns the id. */
export async function createPost(author: Client, text: string): Promise<string> {
  const res = await author.post('/post/create', { text });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as string;
}

/** Deletes every Redis key of this pipeline (its whole keyspace), never anything else. */
export async function flushPipelineKeys(p: Pipeline): Promise<number> {
  return unlinkMatching(p.redis, `${p.config.REDIS_PREFIX}*`);
}
