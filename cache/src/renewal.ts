// A gateway's periodic renewal of its local users. For each user it renews the presence entry
// (the same Lua as Presence.register) and reads back what the gateway re-checks each period:
// the log's epoch (Redis may have lost it) and the celebrity follows (follows, unfollows and
// threshold crossings change them). One script call covers up to USERS_PER_CALL users of one slot, so a
// gateway with 10,000 users sends 100 commands a period instead of 50,000: the upkeep that
// grows with connections costs the gateway one command encoded and parsed per hundred users.
import { callsBySlot, pipelined, slotOf, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { celebritiesIn } from './celebrity-follows.ts';
import { PRESENCE_RENEW_LUA } from './presence.ts';
import { LuaScript } from './script.ts';

const KEYS_PER_USER = 3;
const USERS_PER_CALL = 100;

const renewScript = new LuaScript<(number | string | null)[][]>(
  'presenceRenew',
  null,
  `${PRESENCE_RENEW_LUA}
local gateway, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local replies = {}
for base = 0, #KEYS - 1, ${KEYS_PER_USER} do
  local presence, epoch, follows = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
  local reply = {presence_renew(presence, gateway, now, ttl), redis.call('GET', epoch)}
  for _, member in ipairs(redis.call('SMEMBERS', follows)) do reply[#reply + 1] = member end
  replies[#replies + 1] = reply
end
return replies`,
);

/** What a renewal found for one user. */
export interface Renewed {
  /** The presence entry was gone (Redis lost it) and is registered anew. */
  reRegistered: boolean;
  /** The log's epoch now; null when the log is gone. */
  epoch: string | null;
  /** The celebrities the user follows; null when the set is not built. */
  celebrities: string[] | null;
}

export class Renewal {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Renews `userIds` as held by `gatewayId` until now + ttlMs, and reads what each has now. */
  async renew(gatewayId: string, userIds: readonly string[], ttlMs: number, now = Date.now()): Promise<Map<string, Renewed>> {
    const found = new Map<string, Renewed>();
    if (userIds.length === 0) return found;
    const k = this.keys;
    const calls = callsBySlot(userIds, (userId) => slotOf(this.redis, k.presence(userId)), USERS_PER_CALL);
    renewScript.install(this.redis); // before the pipelines exist, so they carry the script's EVALSHA
    const replies = await pipelined(
      this.redis,
      calls.map((call) => k.presence(userIds[call[0]!]!)),
      (pipeline, c) => {
        const keys: string[] = [];
        for (const i of calls[c]!) keys.push(k.presence(userIds[i]!), k.logEpoch(userIds[i]!), k.celebrityFollows(userIds[i]!));
        renewScript.queue(this.redis, pipeline, keys, [gatewayId, now, ttlMs]);
      },
    );
    calls.forEach((call, c) => {
      const perUser = replies[c]![0] as (number | string | null)[][];
      call.forEach((i, n) => {
        const [added, epoch, ...members] = perUser[n]!;
        found.set(userIds[i]!, { reRegistered: added === 1, epoch: (epoch as string | null) ?? null, celebrities: celebritiesIn(members as string[]) });
      });
    });
    return found;
  }
}
