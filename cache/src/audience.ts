// Which gateways hold at least one follower of a celebrity. A celebrity's post goes live as one
// message per gateway in this set; each gateway knows which of its own sessions follow whom.
//
//   audience:{u:<celebrity>}  ZSET  gateway id → expiry (ms since epoch)
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';

export class Audience {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async join(gatewayId: string, celebrityIds: Iterable<string>, ttlMs: number, now = Date.now()): Promise<void> {
    const ids = [...celebrityIds];
    await pipelined(
      this.redis,
      ids.map((id) => this.keys.audience(id)),
      (pipeline, i) => {
        const key = this.keys.audience(ids[i]!);
        pipeline
          .zremrangebyscore(key, '-inf', now)
          .zadd(key, now + ttlMs, gatewayId)
          .pexpire(key, ttlMs);
      },
    );
  }

  async leave(gatewayId: string, celebrityIds: Iterable<string>): Promise<void> {
    const ids = [...celebrityIds];
    await pipelined(
      this.redis,
      ids.map((id) => this.keys.audience(id)),
      (pipeline, i) => pipeline.zrem(this.keys.audience(ids[i]!), gatewayId),
    );
  }

  async gateways(celebrityId: string, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.audience(celebrityId), `(${now}`, '+inf');
  }
}
