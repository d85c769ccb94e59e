// Which gateways hold at least one follower of a celebrity. A celebrity's post goes live as one
// message per gateway in this set; each gateway knows which of its own sessions follow whom.
//
//   audience:{u:<celebrity>}  ZSET  gateway id → expiry (ms since epoch)
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { results } from './script.ts';

export class Audience {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async join(gatewayId: string, celebrityIds: Iterable<string>, ttlMs: number, now = Date.now()): Promise<void> {
    const pipeline = this.redis.pipeline();
    let queued = 0;
    for (const id of celebrityIds) {
      const key = this.keys.audience(id);
      pipeline.zremrangebyscore(key, '-inf', now).zadd(key, now + ttlMs, gatewayId).pexpire(key, ttlMs);
      queued++;
    }
    if (queued > 0) results(await pipeline.exec());
  }

  async leave(gatewayId: string, celebrityIds: Iterable<string>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const id of celebrityIds) pipeline.zrem(this.keys.audience(id), gatewayId);
    results(await pipeline.exec());
  }

  async gateways(celebrityId: string, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.audience(celebrityId), `(${now}`, '+inf');
  }
}
