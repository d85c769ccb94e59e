// The materialised news feed of one user: the newest post ids of the people they follow.
// A ZSET scored by post id; the member "0" (score 0) marks a built feed, so an empty feed and a
// missing one (never built, evicted, flushed) are told apart. Missing feeds are rebuilt from
// Postgres by the reader, under a lock; posts that arrive during the rebuild wait in a pending
// set and are merged in when the rebuilt feed is swapped in; posts removed meanwhile (deleted,
// unfollowed) are noted too and taken out of the rebuilt feed, which was read before them.
// The marker's score says whether the feed is complete (0) or truncated (-1): a truncated feed
// once dropped older ids (or was rebuilt from a full page), so once deletions or unfollows have
// taken ids out of it, it holds fewer than `size` and what lies below it is only in Postgres.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { LuaScript } from './script.ts';

/** Lua used by this module's scripts and by the fan-out script. */
export const FEED_LUA = `
local function feed_add(feed, pending, lock, removed, size, ids)
  local target
  if redis.call('EXISTS', feed) == 1 then target = feed
  elseif redis.call('EXISTS', lock) == 1 then target = pending
  else return 0 end
  for _, id in ipairs(ids) do
    redis.call('ZADD', target, id, id)
    if target == pending then redis.call('SREM', removed, id) end
  end
  if target == feed then
    if redis.call('ZREMRANGEBYRANK', feed, 1, -(size + 1)) > 0 then redis.call('ZADD', feed, -1, '0') end
  else
    redis.call('PEXPIRE', pending, 60000)
  end
  return 1
end
local function feed_remove(feed, pending, lock, removed, ids)
  local rebuilding = redis.call('EXISTS', lock) == 1
  for _, id in ipairs(ids) do
    redis.call('ZREM', feed, id)
    redis.call('ZREM', pending, id)
    if rebuilding then redis.call('SADD', removed, id) end
  end
  if rebuilding then redis.call('PEXPIRE', removed, 60000) end
end
`;

const addScript = new LuaScript<number>(
  'feedAdd',
  4,
  `${FEED_LUA}
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
return feed_add(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), ids)`,
);

const removeScript = new LuaScript<number>(
  'feedRemove',
  4,
  `${FEED_LUA}
feed_remove(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV)
return 1`,
);

/** Returns false for a missing feed, else {size, ids newest first, truncated}; refreshes the TTL. */
const pageScript = new LuaScript<[number, string[], number] | null>(
  'feedPage',
  1,
  `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('EXPIRE', KEYS[1], ARGV[3])
local size = redis.call('ZCARD', KEYS[1]) - 1
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(0', 'LIMIT', ARGV[1], ARGV[2])
local marker = redis.call('ZSCORE', KEYS[1], '0')
local truncated = 0
if marker and tonumber(marker) < 0 then truncated = 1 end
return {size, ids, truncated}`,
);

/**
 * Swaps a rebuilt feed in atomically, merging what arrived meanwhile and dropping what was
 * removed meanwhile, and releases the lock.
 */
const replaceScript = new LuaScript<number>(
  'feedReplace',
  4,
  `redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[1], 0, '0')
local batch = {}
for i = 4, #ARGV do
  batch[#batch + 1] = ARGV[i]
  batch[#batch + 1] = ARGV[i]
  if #batch >= 1000 then redis.call('ZADD', KEYS[1], unpack(batch)); batch = {} end
end
if #batch > 0 then redis.call('ZADD', KEYS[1], unpack(batch)) end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MAX')
  redis.call('DEL', KEYS[2])
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do redis.call('ZREM', KEYS[1], id) end
redis.call('DEL', KEYS[4])
local trimmed = redis.call('ZREMRANGEBYRANK', KEYS[1], 1, -(tonumber(ARGV[1]) + 1))
if trimmed > 0 or #ARGV - 3 >= tonumber(ARGV[1]) then redis.call('ZADD', KEYS[1], -1, '0') end
redis.call('EXPIRE', KEYS[1], ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
return 1`,
);

const unlockScript = new LuaScript<number>(
  'feedUnlock',
  1,
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

export interface FeedSettings {
  /** Post ids kept per feed (the contract's "last 1000"). */
  size: number;
  /** Seconds a feed lives after its last read; inactive users' feeds are rebuilt on return. */
  ttlSeconds: number;
}

export class FeedStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly settings: FeedSettings,
  ) {}

  /**
   * A page of post ids, newest first, or null when the feed must be rebuilt. `truncated`: older
   * posts than the feed's last id may exist in Postgres (the feed is a prefix of the truth).
   */
  async page(userId: string, offset: number, count: number): Promise<{ size: number; ids: string[]; truncated: boolean } | null> {
    const reply = await pageScript.run(this.redis, [this.keys.feed(userId)], [offset, count, this.settings.ttlSeconds]);
    return reply ? { size: Number(reply[0]), ids: reply[1], truncated: Number(reply[2]) === 1 } : null;
  }

  /** Adds posts to a built feed (or to the pending set while it is rebuilt); false if there is no feed. */
  async add(userId: string, postIds: readonly string[]): Promise<boolean> {
    if (postIds.length === 0) return true;
    const k = this.keys;
    const added = await addScript.run(this.redis, [k.feed(userId), k.feedPending(userId), k.feedLock(userId), k.feedRemoved(userId)], [this.settings.size, ...postIds]);
    return added === 1;
  }

  async remove(userId: string, postIds: readonly string[]): Promise<void> {
    if (postIds.length === 0) return;
    const k = this.keys;
    await removeScript.run(this.redis, [k.feed(userId), k.feedPending(userId), k.feedLock(userId), k.feedRemoved(userId)], [...postIds]);
  }

  /** Takes the rebuild lock; returns its token, or null when someone else is rebuilding. */
  async lock(userId: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(this.keys.feedLock(userId), token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  async unlock(userId: string, token: string): Promise<void> {
    await unlockScript.run(this.redis, [this.keys.feedLock(userId)], [token]);
  }

  async isLocked(userId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.feedLock(userId))) === 1;
  }

  /**
   * Installs a rebuilt feed (ids in any order) and releases the lock held with `token`. Pass at
   * most `size` ids; exactly `size` means Postgres may hold more, and marks the feed truncated.
   */
  async replace(userId: string, postIds: readonly string[], token: string): Promise<void> {
    const k = this.keys;
    await replaceScript.run(this.redis, [k.feed(userId), k.feedPending(userId), k.feedLock(userId), k.feedRemoved(userId)], [this.settings.size, this.settings.ttlSeconds, token, ...postIds]);
  }

  async drop(userId: string): Promise<void> {
    await this.redis.del(this.keys.feed(userId));
  }
}
