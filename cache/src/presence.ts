// The presence registry: which gateways hold sessions of which users. Gateways write it
// (register on the first session of a user, refresh periodically, unregister on the last);
// the fan-out worker reads it to send one message per gateway. Each entry carries an expiry,
// so a gateway that dies stops receiving traffic within one TTL without anyone cleaning up.
//
//   presence:{u:<user>}  ZSET  gateway id → expiry (ms since epoch)
//   gateways             ZSET  gateway id → expiry: the gateways alive now
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { results } from './script.ts';

/** Lua shared with the fan-out script: live gateway ids of one user. */
export const PRESENCE_LUA = `
local function presence_of(presence, now)
  return redis.call('ZRANGEBYSCORE', presence, '(' .. now, '+inf')
end
`;

export class Presence {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Registers (or refreshes) users as held by `gatewayId` until now + ttlMs. */
  async register(gatewayId: string, userIds: Iterable<string>, ttlMs: number, now = Date.now()): Promise<void> {
    const pipeline = this.redis.pipeline();
    let queued = 0;
    for (const userId of userIds) {
      const key = this.keys.presence(userId);
      pipeline.zremrangebyscore(key, '-inf', now).zadd(key, now + ttlMs, gatewayId).pexpire(key, ttlMs);
      queued++;
    }
    if (queued > 0) results(await pipeline.exec());
  }

  async unregister(gatewayId: string, userIds: Iterable<string>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.zrem(this.keys.presence(userId), gatewayId);
    results(await pipeline.exec());
  }

  /** Live gateways per user; users held by no live gateway are absent from the map. */
  async lookup(userIds: readonly string[], now = Date.now()): Promise<Map<string, string[]>> {
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.zrangebyscore(this.keys.presence(userId), `(${now}`, '+inf');
    const replies = results<string[]>(await pipeline.exec());
    const found = new Map<string, string[]>();
    replies.forEach((gateways, i) => {
      if (gateways.length > 0) found.set(userIds[i]!, gateways);
    });
    return found;
  }

  /** A gateway's own heartbeat, for the cluster view and for pruning its routes. */
  async announce(gatewayId: string, ttlMs: number, now = Date.now()): Promise<void> {
    await this.redis.zadd(this.keys.gateways(), now + ttlMs, gatewayId);
  }

  async withdraw(gatewayId: string): Promise<void> {
    await this.redis.zrem(this.keys.gateways(), gatewayId);
  }

  async liveGateways(now = Date.now()): Promise<string[]> {
    await this.redis.zremrangebyscore(this.keys.gateways(), '-inf', now);
    return this.redis.zrangebyscore(this.keys.gateways(), `(${now}`, '+inf');
  }
}
