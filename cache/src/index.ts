// The Redis layout of the feed system, one module per concept. See docs/redis.md.
import type { RedisClient } from './connection.ts';
import { createKeys } from './keys.ts';
import { FeedStore } from './feed.ts';
import { EventLog } from './event-log.ts';
import { Presence } from './presence.ts';
import { PostCache } from './post-cache.ts';
import { Timelines } from './timeline.ts';
import { Audience } from './audience.ts';
import { Fanout } from './fanout.ts';
import { CelebrityFollows } from './celebrity-follows.ts';
import { RateLimits } from './rate-limit.ts';
import { Revocations } from './revocation.ts';
import { Renewal } from './renewal.ts';

export { createKeys, type Keys } from './keys.ts';
export { connectRedis, isCluster, masters, pipelined, ReplicationLag, scanKeys, within, slotOf, unlinkMatching, type PipelineOptions, type RedisClient, type RedisSettings } from './connection.ts';
export { FeedStore } from './feed.ts';
export { EventLog, logEventKeys, type LogEntry, type LogRead } from './event-log.ts';
export { compareStreamIds, STREAM_ID } from './stream-ids.ts';
export { Presence, type GatewayInfo } from './presence.ts';
export { PostCache, type CachedPost } from './post-cache.ts';
export { Timelines } from './timeline.ts';
export { Audience } from './audience.ts';
export { Fanout, type Delivery, type FanoutStep } from './fanout.ts';
export { CelebrityFollows } from './celebrity-follows.ts';
export { RateLimits, type BucketPolicy, type BucketState } from './rate-limit.ts';
export { Revocations, type RevocationCursor, type RevocationsRead, type TokenRef } from './revocation.ts';
export { Renewal, type Renewed } from './renewal.ts';
// The Lua the fan-out script is composed of, for benchmarks that compose alternative designs from
// the same parts (bench/fanout-writes.ts).
export { FEED_LUA } from './feed.ts';
export { PRESENCE_LUA } from './presence.ts';

export interface CacheSettings {
  prefix: string;
  feedSize: number;
  feedTtlSeconds: number;
  logMaxLength: number;
  logTtlSeconds: number;
  postTtlSeconds: number;
  /** On a Redis Cluster: how long a fan-out waits for replicas to confirm its writes (WAIT). */
  replicaWaitMs: number;
}

export const defaultCacheSettings: CacheSettings = {
  prefix: 'feed:',
  feedSize: 1000,
  feedTtlSeconds: 7 * 24 * 3600,
  logMaxLength: 1000,
  logTtlSeconds: 24 * 3600,
  postTtlSeconds: 7 * 24 * 3600,
  replicaWaitMs: 1000,
};

export function createCache(redis: RedisClient, overrides: Partial<CacheSettings> = {}) {
  const s = { ...defaultCacheSettings, ...overrides };
  const keys = createKeys(s.prefix);
  return {
    settings: s,
    keys,
    feeds: new FeedStore(redis, keys, { size: s.feedSize, ttlSeconds: s.feedTtlSeconds }),
    logs: new EventLog(redis, keys, { maxLength: s.logMaxLength, ttlSeconds: s.logTtlSeconds }),
    presence: new Presence(redis, keys),
    renewal: new Renewal(redis, keys),
    posts: new PostCache(redis, keys, s.postTtlSeconds),
    timelines: new Timelines(redis, keys, s.feedSize),
    audience: new Audience(redis, keys),
    celebrityFollows: new CelebrityFollows(redis, keys),
    rateLimits: new RateLimits(redis, keys),
    revocations: new Revocations(redis, keys),
    fanout: new Fanout(redis, keys, { feedSize: s.feedSize, logMaxLength: s.logMaxLength, logTtlSeconds: s.logTtlSeconds, replicaWaitMs: s.replicaWaitMs }),
  };
}

export type Cache = ReturnType<typeof createCache>;
