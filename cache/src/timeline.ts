// A celebrity's own timeline: their newest post ids. Celebrity posts are not written into
// every follower's feed (that would cost O(followers)); readers merge this timeline in.
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { results } from './script.ts';

export class Timelines {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly size: number,
  ) {}

  async push(authorId: string, postIds: readonly string[]): Promise<void> {
    if (postIds.length === 0) return;
    const key = this.keys.timeline(authorId);
    const members = postIds.flatMap((id) => [id, id]);
    await this.redis.pipeline().zadd(key, ...members).zremrangebyrank(key, 0, -(this.size + 1)).exec().then(results);
  }

  async remove(authorId: string, postId: string): Promise<void> {
    await this.redis.zrem(this.keys.timeline(authorId), postId);
  }

  /** Newest `count` post ids of each author, or null for an author whose timeline is not cached. */
  async latest(authorIds: readonly string[], count: number): Promise<(string[] | null)[]> {
    if (authorIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of authorIds) pipeline.exists(this.keys.timeline(id)).zrevrange(this.keys.timeline(id), 0, count - 1);
    const replies = results<number | string[]>(await pipeline.exec());
    return authorIds.map((_, i) => (replies[2 * i] === 1 ? (replies[2 * i + 1] as string[]) : null));
  }
}
