// One step of fan-out for one recipient, atomic in one script (all keys share the user's hash
// tag): update the feed, append the event to the log once, and read where the user is online.
// Batches of recipients go out in one pipeline, so a post costs one round trip per batch.
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { FEED_LUA } from './feed.ts';
import { LOG_LUA } from './event-log.ts';
import { PRESENCE_LUA } from './presence.ts';
import { LuaScript, results } from './script.ts';

const deliverScript = new LuaScript<string[]>(
  'fanoutDeliver',
  8,
  `${FEED_LUA}${LOG_LUA}${PRESENCE_LUA}
if ARGV[9] ~= '' and redis.call('HEXISTS', KEYS[6], ARGV[9]) == 1 then return {'', '', ''} end
if ARGV[1] == 'add' then feed_add(KEYS[1], KEYS[2], KEYS[3], KEYS[8], tonumber(ARGV[3]), {ARGV[2]})
elseif ARGV[1] == 'remove' then feed_remove(KEYS[1], KEYS[2], KEYS[3], KEYS[8], {ARGV[2]}) end
local entry = log_append(KEYS[4], KEYS[5], KEYS[6], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
local reply = {'', '', ''}
if entry then reply = {entry[1], entry[2], entry[3]} end
for _, gateway in ipairs(presence_of(KEYS[7], ARGV[8])) do reply[#reply + 1] = gateway end
return reply`,
);

export interface FanoutStep {
  /** What happens to the recipient's feed. */
  feed: 'add' | 'remove' | 'none';
  postId: string;
  /** Identifies the event for idempotency: the same key is appended to a log once. */
  eventKey: string;
  /** The event as stored in the log and sent live (JSON text). */
  payload: string;
  /**
   * An event key that, once in the recipient's log, makes this step moot: a post's creation or
   * edit handled after its deletion (competing workers) must not bring it back.
   */
  cancelledBy?: string;
}

export interface Delivery {
  userId: string;
  /**
   * The log entry written (or found, on redelivery); null when the user has no log. `prev`: the
   * entry before it when it was appended now, '' when it was already there.
   */
  entry: { epoch: string; id: string; prev: string } | null;
  /** Gateways holding a session of the user now. */
  gateways: string[];
}

export interface FanoutSettings {
  feedSize: number;
  logMaxLength: number;
  logTtlSeconds: number;
}

export class Fanout {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly settings: FanoutSettings,
  ) {}

  async deliver(userIds: readonly string[], step: FanoutStep, now = Date.now()): Promise<Delivery[]> {
    if (userIds.length === 0) return [];
    const k = this.keys;
    const s = this.settings;
    deliverScript.install(this.redis); // before the pipeline exists, so it carries the script's EVALSHA
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) {
      deliverScript.queue(
        this.redis,
        pipeline,
        [k.feed(userId), k.feedPending(userId), k.feedLock(userId), k.log(userId), k.logEpoch(userId), k.logIndex(userId), k.presence(userId), k.feedRemoved(userId)],
        [step.feed, step.postId, s.feedSize, step.eventKey, step.payload, s.logMaxLength, s.logTtlSeconds, now, step.cancelledBy ?? ''],
      );
    }
    return results<string[]>(await pipeline.exec()).map(([epoch = '', id = '', prev = '', ...gateways], i) => ({
      userId: userIds[i]!,
      entry: epoch ? { epoch, id, prev } : null,
      gateways,
    }));
  }
}
