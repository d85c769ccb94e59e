// The feed read path. Pages come from the Redis feed (post ids) merged with the timelines of
// the celebrities the reader follows, then bodies are hydrated from the post cache in one
// round trip. A missing feed is rebuilt from Postgres by one reader under a lock while the
// others wait for it; pages beyond what the cache holds are read from Postgres.
import { type Pool, type Post, feedFromDatabase, follows, posts } from '@feed/db';
import type { Cache } from '@feed/cache';
import type { Logger } from '../log.ts';

export interface FeedReaderSettings {
  celebrityThreshold: number;
  /** How long a rebuild may hold the lock, and how long other readers wait for it. */
  rebuildLockMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Merges id lists (each newest first) into one, newest first, without duplicates. */
export function mergeNewestFirst(lists: readonly (readonly string[])[], count: number): string[] {
  if (lists.length === 1) return lists[0]!.slice(0, count); // no celebrities: already in order
  const all = new Set<string>();
  for (const list of lists) for (const id of list) all.add(id);
  // Ids are decimal strings without leading zeros: a longer one is larger, and equal lengths
  // compare as text — no BigInt per comparison on the read path.
  return [...all].sort((a, b) => b.length - a.length || (b > a ? 1 : b < a ? -1 : 0)).slice(0, count);
}

export class FeedReader {
  constructor(
    private readonly db: Pool,
    private readonly cache: Cache,
    private readonly settings: FeedReaderSettings,
    private readonly log: Logger,
  ) {}

  async read(userId: string, offset: number, limit: number): Promise<Post[]> {
    const depth = offset + limit;
    // The cache holds each source's newest `feedSize` ids; deeper pages come from Postgres.
    if (depth > this.cache.settings.feedSize) return feedFromDatabase(this.db, userId, { offset, limit });
    const own = await this.feedIds(userId, depth);
    // A truncated feed that deletions or unfollows have shrunk below this depth no longer
    // reaches it: the posts that belong there are only in Postgres.
    if (!own || (own.truncated && own.ids.length < depth)) return feedFromDatabase(this.db, userId, { offset, limit });
    const celebrities = await this.celebrityIds(userId, depth);
    const ids = mergeNewestFirst([own.ids, ...celebrities], depth).slice(offset);
    return this.hydrate(ids);
  }

  /** The newest `count` ids of the user's own feed, rebuilding it first when it is missing. */
  private async feedIds(userId: string, count: number): Promise<{ ids: string[]; truncated: boolean } | null> {
    const page = await this.cache.feeds.page(userId, 0, count);
    if (page) return page;
    await this.rebuild(userId);
    return this.cache.feeds.page(userId, 0, count);
  }

  /** Rebuilds one user's feed from Postgres; concurrent callers wait for the one holding the lock. */
  async rebuild(userId: string): Promise<void> {
    const token = await this.cache.feeds.lock(userId, this.settings.rebuildLockMs);
    if (!token) {
      const deadline = Date.now() + this.settings.rebuildLockMs;
      while (Date.now() < deadline && (await this.cache.feeds.isLocked(userId))) await sleep(20);
      return;
    }
    try {
      const newest = await feedFromDatabase(this.db, userId, { offset: 0, limit: this.cache.settings.feedSize });
      await this.cache.posts.fill(newest);
      const celebrities = await follows.celebritiesFollowedBy(this.db, userId, this.settings.celebrityThreshold);
      await this.cache.celebrityFollows.replace(userId, celebrities);
      await this.cache.feeds.replace(
        userId,
        newest.map((p) => p.id),
        token,
      );
      this.log.debug({ userId, posts: newest.length }, 'feed rebuilt');
    } catch (err) {
      await this.cache.feeds.unlock(userId, token).catch(() => {});
      throw err;
    }
  }

  /** Newest ids of each celebrity the user follows, loading a timeline from Postgres when missing. */
  private async celebrityIds(userId: string, count: number): Promise<string[][]> {
    // Which celebrities the user follows comes from their celebrity-follows set (written with the
    // feed, kept current by the worker), so a cached read does not touch Postgres; only a user
    // whose set is not built is looked up there.
    const known = (await this.cache.celebrityFollows.get([userId])).get(userId);
    const celebrities = known ?? (await follows.celebritiesFollowedBy(this.db, userId, this.settings.celebrityThreshold));
    const cached = await this.cache.timelines.latest(celebrities, count);
    return Promise.all(
      cached.map(async (ids, i) => {
        if (ids) return ids;
        const authorId = celebrities[i]!;
        const recent = await posts.recentPostsBy(this.db, authorId, this.cache.settings.feedSize);
        await this.cache.posts.fill(recent);
        await this.cache.timelines.push(
          authorId,
          recent.map((p) => p.id),
        );
        return recent.slice(0, count).map((p) => p.id);
      }),
    );
  }

  /** Bodies for ids in order; deleted posts drop out. */
  private async hydrate(ids: readonly string[]): Promise<Post[]> {
    const cached = await this.cache.posts.get(ids);
    const missing = ids.filter((id) => !cached.has(id));
    if (missing.length > 0) {
      const loaded = await posts.findPosts(this.db, missing);
      await this.cache.posts.fill(loaded);
      for (const post of loaded) cached.set(post.id, post);
    }
    return ids.flatMap((id) => {
      const post = cached.get(id);
      return post ? [{ id: post.id, text: post.text, author_user_id: post.author_user_id }] : [];
    });
  }
}
