// One step of fan-out for a batch of recipients: for each (eight keys, all under the user's hash
// tag, so atomic per user), update the feed, append the event to the log once, and read where
// the user is online. One script call covers up to RECIPIENTS_PER_CALL recipients, and a batch's
// calls go out in one pipeline: Redis pays the call overhead and parses the shared arguments
// (the payload) once per call instead of once per recipient, and the worker encodes one command.
// `npm run bench:fanout` compares it with one call per recipient (docs/benchmarks.md, "Fan-out
// writes").
// On a Redis Cluster a script may only touch one slot's keys, so recipients are grouped by slot
// first (a call per slot, up to RECIPIENTS_PER_CALL of them), and the calls by master (a
// pipeline per master). Each master's pipeline ends with WAIT for its replicas: a delivery this
// returns is on the replica too, so a failover right after it loses none of it (see
// docs/redis.md "Failover").
import { callsBySlot, pipelined, slotOf, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';
import { FEED_LUA } from './feed.ts';
import { LOG_LUA } from './event-log.ts';
import { PRESENCE_LUA } from './presence.ts';
import { LuaScript } from './script.ts';

const KEYS_PER_RECIPIENT = 8;
/** Keeps each script short (3–5 ms of Redis time for 100 recipients here) so others interleave. */
const RECIPIENTS_PER_CALL = 100;

const deliverScript = new LuaScript<string[][]>(
  'fanoutDeliver',
  null,
  `${FEED_LUA}${LOG_LUA}${PRESENCE_LUA}
local replies = {}
for base = 0, #KEYS - 1, ${KEYS_PER_RECIPIENT} do
  local feed, pending, lock, log = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  local epoch, index, presence, removed = KEYS[base + 5], KEYS[base + 6], KEYS[base + 7], KEYS[base + 8]
  local reply = {'', '', ''}
  local seen = log_seen(index, ARGV[4], ARGV[9])
  if not seen[3] then
    if ARGV[1] == 'add' then feed_add(feed, pending, lock, removed, tonumber(ARGV[3]), {ARGV[2]})
    elseif ARGV[1] == 'remove' then feed_remove(feed, pending, lock, removed, {ARGV[2]}) end
    local entry = log_append(log, epoch, index, ARGV[4], ARGV[5], ARGV[6], ARGV[7], seen)
    if entry then reply = {entry[1], entry[2], entry[3]} end
    for _, gateway in ipairs(presence_of(presence, ARGV[8])) do reply[#reply + 1] = gateway end
  end
  replies[#replies + 1] = reply
end
return replies`,
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
  /** On a cluster: how long a master may wait for its replicas to confirm a batch. */
  replicaWaitMs: number;
}

export class Fanout {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly settings: FanoutSettings,
  ) {}

  /**
   * Delivers one step to every recipient; the deliveries come back in `userIds` order. Throws
   * (ReplicationLag among others) when some recipients may not have it: the whole call is safe
   * to repeat, a repeat appends nothing twice.
   */
  async deliver(userIds: readonly string[], step: FanoutStep, now = Date.now()): Promise<Delivery[]> {
    if (userIds.length === 0) return [];
    const k = this.keys;
    const s = this.settings;
    const args = [step.feed, step.postId, s.feedSize, step.eventKey, step.payload, s.logMaxLength, s.logTtlSeconds, now, step.cancelledBy ?? ''];
    const calls = callsBySlot(userIds, (userId) => slotOf(this.redis, k.feed(userId)), RECIPIENTS_PER_CALL);
    deliverScript.install(this.redis); // before the pipelines exist, so they carry the script's EVALSHA
    const replies = await pipelined(
      this.redis,
      calls.map((call) => k.feed(userIds[call[0]!]!)),
      (pipeline, c) => {
        const keys: string[] = [];
        for (const i of calls[c]!) {
          const userId = userIds[i]!;
          keys.push(k.feed(userId), k.feedPending(userId), k.feedLock(userId), k.log(userId), k.logEpoch(userId), k.logIndex(userId), k.presence(userId), k.feedRemoved(userId));
        }
        deliverScript.queue(this.redis, pipeline, keys, args);
      },
      { waitForReplicasMs: s.replicaWaitMs },
    );
    const deliveries: Delivery[] = new Array(userIds.length);
    calls.forEach((call, c) => {
      const perRecipient = replies[c]![0] as string[][];
      call.forEach((i, n) => {
        const [epoch = '', id = '', prev = '', ...gateways] = perRecipient[n]!;
        deliveries[i] = { userId: userIds[i]!, entry: epoch ? { epoch, id, prev } : null, gateways };
      });
    });
    return deliveries;
  }
}
