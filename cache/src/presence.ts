// The presence registry: which gateways hold sessions of which users. Gateways write it
// (register on the first session of a user, refresh periodically, unregister on the last);
// the fan-out worker reads it to send one message per gateway. Each entry carries an expiry,
// so a gateway that dies stops receiving traffic within one TTL without anyone cleaning up.
//
//   presence:{u:<user>}  ZSET  gateway id → expiry (ms since epoch)
//   gateways             ZSET  gateway id → expiry: the gateways alive now
//   gateway-info         HASH  gateway id → JSON {url}: where a gateway answers, for the cluster view
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { results } from './script.ts';

/** What a gateway announces about itself besides being alive. */
export interface GatewayInfo {
  /** Base URL of the gateway's own HTTP server (/health, /metrics). */
  url: string;
}

function parseInfo(raw: string | undefined): GatewayInfo | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<GatewayInfo>;
    return typeof value.url === 'string' ? { url: value.url } : undefined;
  } catch {
    return undefined;
  }
}

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

  /** A gateway's own heartbeat, for the cluster view and for pruning its routes; `info` says where it answers. */
  async announce(gatewayId: string, ttlMs: number, now = Date.now(), info?: GatewayInfo): Promise<void> {
    if (!info) {
      await this.redis.zadd(this.keys.gateways(), now + ttlMs, gatewayId);
      return;
    }
    results(
      await this.redis
        .pipeline()
        .zadd(this.keys.gateways(), now + ttlMs, gatewayId)
        .hset(this.keys.gatewayInfo(), gatewayId, JSON.stringify(info))
        .exec(),
    );
  }

  /** Whether the gateway's own heartbeat is there; gone before its expiry means Redis lost its data. */
  async announced(gatewayId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.gateways(), gatewayId)) !== null;
  }

  async withdraw(gatewayId: string): Promise<void> {
    results(await this.redis.pipeline().zrem(this.keys.gateways(), gatewayId).hdel(this.keys.gatewayInfo(), gatewayId).exec());
  }

  async liveGateways(now = Date.now()): Promise<string[]> {
    await this.redis.zremrangebyscore(this.keys.gateways(), '-inf', now);
    return this.redis.zrangebyscore(this.keys.gateways(), `(${now}`, '+inf');
  }

  /** The live gateways with what they announced about themselves; forgets the info of dead ones. */
  async liveGatewayInfo(now = Date.now()): Promise<{ id: string; info: GatewayInfo | undefined }[]> {
    const live = await this.liveGateways(now);
    const all = await this.redis.hgetall(this.keys.gatewayInfo());
    const dead = Object.keys(all).filter((id) => !live.includes(id));
    if (dead.length > 0) await this.redis.hdel(this.keys.gatewayInfo(), ...dead);
    return live.map((id) => ({ id, info: parseInfo(all[id]) }));
  }
}
