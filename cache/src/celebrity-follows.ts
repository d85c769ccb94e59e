// Which celebrities each user follows. Celebrity posts are not fanned out per follower, so a
// gateway needs this to hand a celebrity's live post to its own sessions that follow them.
// The worker keeps it current on follow, unfollow and threshold crossings; a feed rebuild
// rewrites it from Postgres. The member "0" marks a set as built, so empty and missing differ.
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { LuaScript, results } from './script.ts';

const BUILT = '0';

/** A set's members as read: the celebrities followed, or null when the set is not built. */
export function celebritiesIn(members: readonly string[]): string[] | null {
  return members.includes(BUILT) ? members.filter((m) => m !== BUILT) : null;
}

const addIfBuilt = new LuaScript<number>('celebrityFollowsAdd', 1, `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('SADD', KEYS[1], ARGV[1]) end return 0`);

export class CelebrityFollows {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Adds to sets that exist; a missing set is left for the next rebuild to write whole. */
  async add(userIds: readonly string[], celebrityId: string): Promise<void> {
    if (userIds.length === 0) return;
    addIfBuilt.install(this.redis); // so the pipelines send EVALSHA, not the script per follower
    const keys = userIds.map((u) => this.keys.celebrityFollows(u));
    await pipelined(this.redis, keys, (pipeline, i) => addIfBuilt.queue(this.redis, pipeline, [keys[i]!], [celebrityId]));
  }

  async remove(userIds: readonly string[], celebrityId: string): Promise<void> {
    if (userIds.length === 0) return;
    const keys = userIds.map((u) => this.keys.celebrityFollows(u));
    await pipelined(this.redis, keys, (pipeline, i) => pipeline.srem(keys[i]!, celebrityId));
  }

  async replace(userId: string, celebrityIds: readonly string[]): Promise<void> {
    const key = this.keys.celebrityFollows(userId);
    await this.redis
      .multi()
      .del(key)
      .sadd(key, BUILT, ...celebrityIds)
      .exec()
      .then(results);
  }

  /** Per user: the celebrities they follow, or null when the set is not built. */
  async get(userIds: readonly string[]): Promise<Map<string, string[] | null>> {
    const found = new Map<string, string[] | null>();
    if (userIds.length === 0) return found;
    const keys = userIds.map((u) => this.keys.celebrityFollows(u));
    (await pipelined(this.redis, keys, (pipeline, i) => pipeline.smembers(keys[i]!))).forEach(([reply], i) => {
      found.set(userIds[i]!, celebritiesIn(reply as string[]));
    });
    return found;
  }

  /** Marks an author as a celebrity; true when they were not one before (a crossing). */
  async promote(authorId: string): Promise<boolean> {
    return (await this.redis.sadd(this.keys.celebrities(), authorId)) === 1;
  }

  /** Unmarks an author; true when they were a celebrity before (a crossing). */
  async demote(authorId: string): Promise<boolean> {
    return (await this.redis.srem(this.keys.celebrities(), authorId)) === 1;
  }
}
