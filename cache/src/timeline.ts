// A celebrity's own timeline: their newest post ids. Celebrity posts are not written into
// every follower's feed (that would cost O(followers)); readers merge this timeline in.
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { LuaScript, results } from './script.ts';

/** Adds ids to a timeline that exists; returns 0 (and writes nothing) when it does not. */
const extendScript = new LuaScript<number>(
  'timelineExtend',
  1,
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i]) end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
return 1`,
);

/** Raises the high-water mark to ARGV[1] (decimal ids compared by length, then as text). */
const raiseNewestScript = new LuaScript<number>(
  'celebrityPostsNewest',
  1,
  `local current = redis.call('GET', KEYS[1])
local id = ARGV[1]
if current and (#current > #id or (#current == #id and current >= id)) then return 0 end
redis.call('SET', KEYS[1], id)
return 1`,
);

export class Timelines {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly size: number,
  ) {}

  async push(authorId: string, postIds: readonly string[]): Promise<void> {
    if (postIds.length === 0) return;
    const key = this.keys.timeline(authorId);
    const members = postIds.flatMap((id) => [id, id]);
    await this.redis
      .pipeline()
      .zadd(key, ...members)
      .zremrangebyrank(key, 0, -(this.size + 1))
      .exec()
      .then(results);
  }

  /**
   * Adds new posts to a cached timeline. False when the timeline is not cached: the caller must
   * load it whole (readers take a cached timeline as complete, so a partial one hides posts).
   */
  async extend(authorId: string, postIds: readonly string[]): Promise<boolean> {
    if (postIds.length === 0) return true;
    return (await extendScript.run(this.redis, [this.keys.timeline(authorId)], [this.size, ...postIds])) === 1;
  }

  /** Records a celebrity post as the newest one written, if it is (call once it is in the timeline). */
  async markNewest(postId: string): Promise<void> {
    await raiseNewestScript.run(this.redis, [this.keys.celebrityPostsNewest()], [postId]);
  }

  /** The newest celebrity post id ever marked, '0' when none. */
  async newest(): Promise<string> {
    return (await this.redis.get(this.keys.celebrityPostsNewest())) ?? '0';
  }

  async remove(authorId: string, postId: string): Promise<void> {
    await this.redis.zrem(this.keys.timeline(authorId), postId);
  }

  /** Newest `count` post ids of each author, or null for an author whose timeline is not cached. */
  async latest(authorIds: readonly string[], count: number): Promise<(string[] | null)[]> {
    if (authorIds.length === 0) return [];
    const replies = await pipelined(
      this.redis,
      authorIds.map((id) => this.keys.timeline(id)),
      (pipeline, i) => pipeline.exists(this.keys.timeline(authorIds[i]!)).zrevrange(this.keys.timeline(authorIds[i]!), 0, count - 1),
    );
    return replies.map(([exists, ids]) => (exists === 1 ? (ids as string[]) : null));
  }
}
