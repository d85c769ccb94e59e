// Post bodies, stored once (feeds hold ids only) and hydrated in one round trip.
// A deleted post leaves a tombstone ("") so readers skip it without asking Postgres again.
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';

export interface CachedPost {
  id: string;
  text: string;
  author_user_id: string;
}

export class PostCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlSeconds: number,
  ) {}

  /** Writes bodies the worker just read: newer than whatever the cache holds. */
  async put(posts: readonly CachedPost[]): Promise<void> {
    await this.write(posts, false);
  }

  /**
   * Fills in bodies a reader loaded from Postgres, without overwriting anything: the worker may
   * have cached a newer edit, or a tombstone, since the reader's query ran.
   */
  async fill(posts: readonly CachedPost[]): Promise<void> {
    await this.write(posts, true);
  }

  private async write(posts: readonly CachedPost[], onlyIfAbsent: boolean): Promise<void> {
    if (posts.length === 0) return;
    await pipelined(
      this.redis,
      posts.map((post) => this.keys.post(post.id)),
      (pipeline, i) => {
        const post = posts[i]!;
        const body = JSON.stringify({ id: post.id, text: post.text, author_user_id: post.author_user_id });
        if (onlyIfAbsent) pipeline.set(this.keys.post(post.id), body, 'EX', this.ttlSeconds, 'NX');
        else pipeline.set(this.keys.post(post.id), body, 'EX', this.ttlSeconds);
      },
    );
  }

  async tombstone(postId: string): Promise<void> {
    await this.redis.set(this.keys.post(postId), '', 'EX', this.ttlSeconds);
  }

  /**
   * Bodies by id: a post, `null` for a known-deleted post, or absent from the map when the
   * cache does not know it (the caller reads Postgres and `put`s it).
   */
  async get(postIds: readonly string[]): Promise<Map<string, CachedPost | null>> {
    const found = new Map<string, CachedPost | null>();
    if (postIds.length === 0) return found;
    // One GET per key, a pipeline per master: post keys are tagged per post (spread over the
    // masters), so MGET would cross slots.
    const replies = await pipelined(
      this.redis,
      postIds.map((id) => this.keys.post(id)),
      (pipeline, i) => pipeline.get(this.keys.post(postIds[i]!)),
    );
    replies.forEach(([reply], i) => {
      const body = reply as string | null;
      if (body === null) return;
      found.set(postIds[i]!, body === '' ? null : (JSON.parse(body) as CachedPost));
    });
    return found;
  }
}
