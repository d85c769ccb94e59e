import { Redis } from 'ioredis';

/**
 * A Redis client as every service uses it: commands wait while Redis reconnects (exponential
 * backoff with jitter, capped at 2 s) instead of failing at once, up to three retries.
 */
export function connectRedis(url: string, onError: (err: Error) => void): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(2_000, 50 * 2 ** attempt) * (0.7 + Math.random() * 0.6),
  });
  redis.on('error', onError);
  return redis;
}
