// Rate limits as token buckets, shared by every core instance. A bucket holds up to `capacity`
// tokens and refills continuously, `capacity` tokens per `windowSeconds`: a burst of `capacity`
// is allowed at once, then one more every windowSeconds / capacity seconds.
//
//   rate:<limit>:<subject>  HASH  tokens (may be fractional), at (ms, Redis clock)
//
// Each script call touches that one key, so it works unchanged on Redis Cluster (any slot).
// Time comes from Redis (TIME), so instances with skewed clocks agree. A bucket left alone
// expires once it would be full again: a missing key is a full bucket.
import { within, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { LuaScript } from './script.ts';

export interface BucketPolicy {
  /** Tokens a full bucket holds: the burst. */
  capacity: number;
  /** Seconds an empty bucket takes to fill up again. */
  windowSeconds: number;
}

export interface BucketState {
  /** Whether the request may go ahead (take: the tokens were there and are taken now). */
  allowed: boolean;
  /** Whole tokens left. */
  remaining: number;
  /** Milliseconds until the next whole token; 0 while one is there. */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  fullInMs: number;
}

// ARGV: capacity, window (ms), cost, mode. Modes:
//   take   — allowed when `cost` tokens are there; they are taken.
//   peek   — allowed when one token is there; nothing changes.
//   charge — `cost` tokens are taken whatever is there (down to 0): a failure that happened.
const bucket = new LuaScript<[number, number, number, number]>(
  'rateBucket',
  1,
  `
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local mode = ARGV[4]
local rate = capacity / window
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
elseif now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
end
local allowed = 1
if mode == 'take' then
  if tokens >= cost then tokens = tokens - cost else allowed = 0 end
elseif mode == 'peek' then
  if tokens < 1 then allowed = 0 end
else
  tokens = math.max(0, tokens - cost)
end
local full_in = math.ceil((capacity - tokens) / rate)
if mode ~= 'peek' then
  if full_in > 0 then
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
    redis.call('PEXPIRE', KEYS[1], full_in)
  else
    redis.call('DEL', KEYS[1])
  end
end
local retry_in = 0
if tokens < 1 then retry_in = math.ceil((1 - tokens) / rate) end
return { allowed, math.floor(tokens), retry_in, full_in }
`,
);

/** How long a bucket operation may take before the caller goes on without it. */
const ANSWER_WITHIN_MS = 1_000;

export class RateLimits {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Takes `cost` tokens when they are there; refused (and nothing taken) otherwise. */
  take(limit: string, subject: string, policy: BucketPolicy, cost = 1): Promise<BucketState> {
    return this.run(limit, subject, policy, cost, 'take');
  }

  /** Whether a token is there, without taking it. */
  peek(limit: string, subject: string, policy: BucketPolicy): Promise<BucketState> {
    return this.run(limit, subject, policy, 0, 'peek');
  }

  /** Takes `cost` tokens whatever is left (never below zero): for something that already happened, such as a failed login. */
  charge(limit: string, subject: string, policy: BucketPolicy, cost = 1): Promise<BucketState> {
    return this.run(limit, subject, policy, cost, 'charge');
  }

  /** Fills a bucket up again (e.g. an account's failed-login bucket after a successful login). */
  async reset(limit: string, subject: string): Promise<void> {
    await this.redis.del(this.keys.rateBucket(limit, subject));
  }

  private async run(limit: string, subject: string, policy: BucketPolicy, cost: number, mode: 'take' | 'peek' | 'charge'): Promise<BucketState> {
    if (!(policy.capacity > 0) || !(policy.windowSeconds > 0)) throw new Error(`rate limit ${limit}: capacity and window must be positive`);
    // Given up after a second (a failover holds commands for seconds): the caller lets it through.
    const [allowed, remaining, retryAfterMs, fullInMs] = await within(ANSWER_WITHIN_MS, `rate limit ${limit}`, bucket.run(this.redis, [this.keys.rateBucket(limit, subject)], [policy.capacity, policy.windowSeconds * 1000, cost, mode]));
    return { allowed: allowed === 1, remaining, retryAfterMs, fullInMs };
  }
}
