// The presence registry: which gateways hold sessions of which users. Gateways write it
// (register on the first session of a user, refresh periodically, unregister on the last);
// the fan-out worker reads it to send one message per gateway. Each entry carries an expiry,
// so a gateway that dies stops receiving traffic within one TTL without anyone cleaning up.
//
//   presence:{u:<user>}  ZSET  gateway id → expiry (ms since epoch)
//   gateways             ZSET  gateway id → expiry: the gateways alive now
//   gateway-info         HASH  gateway id → JSON {url}: where a gateway answers, for the cluster view
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { LuaScript } from './script.ts';

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

/**
 * Registers a gateway for one user until now + ttl, dropping expired entries; 1 when the entry
 * was not there. `register` runs it, and the renewal script (renewal.ts) for each user it renews.
 */
export const PRESENCE_RENEW_LUA = `
local function presence_renew(presence, gateway, now, ttl)
  redis.call('ZREMRANGEBYSCORE', presence, '-inf', now)
  local added = redis.call('ZADD', presence, now + ttl, gateway)
  redis.call('PEXPIRE', presence, ttl)
  return added
end
`;

const registerScript = new LuaScript<number>(
  'presenceRegister',
  1,
  `${PRESENCE_RENEW_LUA}
return presence_renew(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))`,
);

/** Lua shared with the fan-out script: live gateway ids of one user. */
export const PRESENCE_LUA = `
local function presence_of(presence, now)
  return redis.call('ZRANGEBYSCORE', presence, '(' .. now, '+inf')
end
`;

export class Presence {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Registers (or refreshes) users as held by `gatewayId` until now + ttlMs. Returns the users
   * this gateway was not registered for: new ones, or, on a refresh, entries Redis lost (a
   * failover to a replica that never got them, a flush) while events may have gone elsewhere.
   */
  async register(gatewayId: string, userIds: Iterable<string>, ttlMs: number, now = Date.now()): Promise<string[]> {
    const users = [...userIds];
    const keys = users.map((u) => this.keys.presence(u));
    registerScript.install(this.redis); // before the pipelines exist, so they carry the script's EVALSHA
    const replies = await pipelined(this.redis, keys, (pipeline, i) => registerScript.queue(this.redis, pipeline, [keys[i]!], [gatewayId, now, ttlMs]));
    return users.filter((_, i) => replies[i]![0] === 1);
  }

  async unregister(gatewayId: string, userIds: Iterable<string>): Promise<void> {
    const users = [...userIds];
    await pipelined(
      this.redis,
      users.map((u) => this.keys.presence(u)),
      (pipeline, i) => pipeline.zrem(this.keys.presence(users[i]!), gatewayId),
    );
  }

  /** Live gateways per user; users held by no live gateway are absent from the map. */
  async lookup(userIds: readonly string[], now = Date.now()): Promise<Map<string, string[]>> {
    const replies = await pipelined(
      this.redis,
      userIds.map((u) => this.keys.presence(u)),
      (pipeline, i) => pipeline.zrangebyscore(this.keys.presence(userIds[i]!), `(${now}`, '+inf'),
    );
    const found = new Map<string, string[]>();
    replies.forEach(([gateways], i) => {
      if ((gateways as string[]).length > 0) found.set(userIds[i]!, gateways as string[]);
    });
    return found;
  }

  /** A gateway's own heartbeat, for the cluster view and for pruning its routes; `info` says where it answers. */
  async announce(gatewayId: string, ttlMs: number, now = Date.now(), info?: GatewayInfo): Promise<void> {
    if (!info) {
      await this.redis.zadd(this.keys.gateways(), now + ttlMs, gatewayId);
      return;
    }
    // Two keys, two slots on a cluster: two commands, side by side.
    await Promise.all([this.redis.zadd(this.keys.gateways(), now + ttlMs, gatewayId), this.redis.hset(this.keys.gatewayInfo(), gatewayId, JSON.stringify(info))]);
  }

  /** Whether the gateway's own heartbeat is there; gone before its expiry means Redis lost its data. */
  async announced(gatewayId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.gateways(), gatewayId)) !== null;
  }

  async withdraw(gatewayId: string): Promise<void> {
    await Promise.all([this.redis.zrem(this.keys.gateways(), gatewayId), this.redis.hdel(this.keys.gatewayInfo(), gatewayId)]);
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
