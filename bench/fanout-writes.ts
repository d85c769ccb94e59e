// `npm run bench:fanout [-- --recipients 100,1000 --posts 1000 --rounds 3]`
//
// The fan-out worker's Redis writes for one post, side by side in one run on the same Redis:
// `Fanout.deliver` (one script call per 100 recipients, the shared arguments once per call, the
// log index holding the newest id) against the two designs it replaced, kept here as baselines:
// one script call per recipient, and batches with the older log append. Every recipient has a
// built feed, an open event log and a presence entry (an online user: the costly case). Per
// post: wall time, Redis CPU (`INFO cpu`, server-wide) and this process's CPU (encoding and
// parsing the calls, as the worker does). Rounds interleave the designs and rotate which goes
// first, so that a noisy neighbour and the growing logs hit all three. Keys under `bench:fanout:`, removed at the end.
//
// Prints progress to stderr, the summary to stdout, and writes `## Fan-out writes` of
// docs/benchmarks.md. With `--redis single,cluster`: the current design on one redis-server and
// on a Redis Cluster instead (bench/redis-topology.ts, `## Redis Cluster: fan-out writes`).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createCache, FEED_LUA, PRESENCE_LUA, type FanoutStep } from '@feed/cache';
import { FANOUT_PAYLOAD, prepareRecipients, redisCpuSeconds } from './fanout-fixture.ts';
import { writeSection } from './report.ts';
import { median } from './stats.ts';

const PREFIX = 'bench:fanout:';
const { values: args } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100,1000' },
    posts: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
    'no-docs': { type: 'boolean', default: false },
    /** Compare Redis topologies (single,cluster) instead of fan-out designs. */
    redis: { type: 'string' },
  },
});
if (args.redis) {
  const { runTopologies } = await import('./redis-topology.ts');
  const modes = String(args.redis)
    .split(',')
    .map((m) => m.trim());
  for (const m of modes) if (m !== 'single' && m !== 'cluster') throw new Error(`--redis takes single and/or cluster, not ${m}`);
  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  const ok = await runTopologies({
    modes: modes as ('single' | 'cluster')[],
    recipients: Number(String(args.recipients).split(',')[0]),
    posts: Number(args.posts),
    rounds: Number(args.rounds),
    docs: !args['no-docs'],
    log,
  });
  process.exit(ok ? 0 : 1);
}
const SIZES = String(args.recipients).split(',').map(Number);
const POSTS = Number(args.posts);
const ROUNDS = Number(args.rounds);

// The event-log append before the index kept the newest id: XREVRANGE for the entry before,
// and the cancel check as its own HEXISTS. Both earlier designs below use it.
const LOG_LUA_BEFORE = `
local function log_append(log, epoch_key, index, event_key, payload, max_len, ttl)
  local epoch = redis.call('GET', epoch_key)
  if not epoch then return false end
  local id = redis.call('HGET', index, event_key)
  local prev = ''
  if not id then
    local last = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)[1]
    prev = last and last[1] or '0-0'
    id = redis.call('XADD', log, 'MAXLEN', max_len, '*', 'k', event_key, 'e', payload)
    redis.call('HSET', index, event_key, id)
    if redis.call('HLEN', index) > 4 * tonumber(max_len) then
      redis.call('DEL', index)
      redis.call('HSET', index, event_key, id)
    end
  end
  redis.call('EXPIRE', log, ttl)
  redis.call('EXPIRE', index, ttl)
  redis.call('EXPIRE', epoch_key, ttl)
  return {epoch, id, prev}
end
`;
const STEP_BEFORE = (k: (n: number) => string) => `
  local reply = {'', '', ''}
  if ARGV[9] == '' or redis.call('HEXISTS', ${k(6)}, ARGV[9]) == 0 then
    if ARGV[1] == 'add' then feed_add(${k(1)}, ${k(2)}, ${k(3)}, ${k(8)}, tonumber(ARGV[3]), {ARGV[2]})
    elseif ARGV[1] == 'remove' then feed_remove(${k(1)}, ${k(2)}, ${k(3)}, ${k(8)}, {ARGV[2]}) end
    local entry = log_append(${k(4)}, ${k(5)}, ${k(6)}, ARGV[4], ARGV[5], ARGV[6], ARGV[7])
    if entry then reply = {entry[1], entry[2], entry[3]} end
    for _, gateway in ipairs(presence_of(${k(7)}, ARGV[8])) do reply[#reply + 1] = gateway end
  end`;
// The first design: one script call per recipient.
const PER_RECIPIENT_LUA = `${FEED_LUA}${LOG_LUA_BEFORE}${PRESENCE_LUA}${STEP_BEFORE((n) => `KEYS[${n}]`)}
return reply`;
// The second: one call per 100 recipients, the old append.
const BATCHED_BEFORE_LUA = `${FEED_LUA}${LOG_LUA_BEFORE}${PRESENCE_LUA}
local replies = {}
for base = 0, #KEYS - 1, 8 do${STEP_BEFORE((n) => `KEYS[base + ${n}]`)}
  replies[#replies + 1] = reply
end
return replies`;

const started = performance.now();
const log = (msg: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

const redis = new Redis(String(args['redis-url']));
redis.defineCommand('perRecipientDeliver', { numberOfKeys: 8, lua: PER_RECIPIENT_LUA });
redis.defineCommand('batchedBeforeDeliver', { lua: BATCHED_BEFORE_LUA });
const cache = createCache(redis, { prefix: PREFIX });
const k = cache.keys;

type Deliver = (userIds: string[], step: FanoutStep) => Promise<unknown>;
type Commands = Record<string, (...a: (string | number)[]) => unknown>;
const stepArgs = (step: FanoutStep, now: number) => [step.feed, step.postId, 1000, step.eventKey, step.payload, 1000, 86_400, now, step.cancelledBy ?? ''];
const recipientKeys = (u: string) => [k.feed(u), k.feedPending(u), k.feedLock(u), k.log(u), k.logEpoch(u), k.logIndex(u), k.presence(u), k.feedRemoved(u)];

const perRecipient: Deliver = (userIds, step) => {
  const pipeline = redis.pipeline() as unknown as Commands & { exec(): Promise<unknown> };
  const now = Date.now();
  for (const u of userIds) pipeline.perRecipientDeliver!(...recipientKeys(u), ...stepArgs(step, now));
  return pipeline.exec();
};
const batchedBefore: Deliver = (userIds, step) => {
  const pipeline = redis.pipeline() as unknown as Commands & { exec(): Promise<unknown> };
  const now = Date.now();
  for (let i = 0; i < userIds.length; i += 100) {
    const keys = userIds.slice(i, i + 100).flatMap(recipientKeys);
    pipeline.batchedBeforeDeliver!(keys.length, ...keys, ...stepArgs(step, now));
  }
  return pipeline.exec();
};
const current: Deliver = (userIds, step) => cache.fanout.deliver(userIds, step);
const DESIGNS = [
  { name: 'per recipient', deliver: perRecipient },
  { name: 'batched', deliver: batchedBefore },
  { name: 'batched + newest id in index', deliver: current },
];

interface Sample {
  wallMs: number;
  redisMs: number;
  clientMs: number;
}
let nextPost = 1;

async function measure(deliver: Deliver, userIds: string[]): Promise<Sample> {
  const redis0 = await redisCpuSeconds(redis);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < POSTS; p++) {
    const postId = String(nextPost++);
    await deliver(userIds, { feed: 'add', postId, eventKey: `created:${postId}`, payload: FANOUT_PAYLOAD, cancelledBy: `deleted:${postId}` });
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisMs = ((await redisCpuSeconds(redis)) - redis0) * 1000;
  return { wallMs: wallMs / POSTS, redisMs: redisMs / POSTS, clientMs: (cpu.user + cpu.system) / 1000 / POSTS };
}

const rows: { size: number; samples: Sample[] }[] = [];

try {
  for (const size of SIZES) {
    const userIds = Array.from({ length: size }, (_, i) => String(1_000_000 + i));
    log(`${size} recipients: preparing feeds, logs and presence`);
    await prepareRecipients(cache, userIds);
    for (const d of DESIGNS) await measure(d.deliver, userIds.slice(0, 10)); // warm-up: scripts loaded, JIT warm
    const samples: Sample[][] = DESIGNS.map(() => []);
    for (let r = 1; r <= ROUNDS; r++) {
      // Which goes first rotates too: logs and feeds grow as the run goes on.
      for (let j = 0; j < DESIGNS.length; j++) {
        const d = (r + j) % DESIGNS.length;
        samples[d]!.push(await measure(DESIGNS[d]!.deliver, userIds));
      }
      log(`${size} recipients, round ${r}/${ROUNDS}: ${DESIGNS.map((d, i) => `${d.name} ${samples[i]!.at(-1)!.wallMs.toFixed(2)}`).join(', ')} ms/post`);
    }
    const pick = (xs: Sample[]): Sample => ({ wallMs: median(xs.map((x) => x.wallMs)), redisMs: median(xs.map((x) => x.redisMs)), clientMs: median(xs.map((x) => x.clientMs)) });
    rows.push({ size, samples: samples.map(pick) });
  }
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const f = (x: number) => x.toFixed(2);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const cell = (xs: Sample[], field: keyof Sample) => xs.map((x, i) => (i === 0 ? f(x[field]) : `${f(x[field])} (${ratio(xs[0]![field], x[field])})`)).join(' / ');
const table = rows.map(({ size, samples }) => `| ${size} | ${cell(samples, 'wallMs')} | ${cell(samples, 'redisMs')} | ${cell(samples, 'clientMs')} |`).join('\n');
const load = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const version = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1];
const section = `## Fan-out writes

The fan-out worker's Redis writes for one ordinary post (feed, event log and presence of every
recipient), in three designs side by side in one run, rounds rotating which goes first:
(1) one script call per recipient, all in one pipeline (the first design); (2) one call per 100
recipients, shared arguments (the payload) once per call; (3) the same batches with the event
log's index also keeping the newest log id, so one HMGET answers "already appended?", "cancelled
by a deletion?" and "which entry came before?" instead of HEXISTS, HGET and an XREVRANGE that
copies the last entry (what \`Fanout.deliver\` runs now).

\`\`\`sh
npm run bench:fanout -- --recipients ${SIZES.join(',')} --posts ${POSTS} --rounds ${ROUNDS}
\`\`\`

Machine: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.cpus()[0]?.model.trim()}; Redis ${version},
Node ${process.version}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load} at the end.
Every recipient online (built feed, open log, presence entry). Medians of ${ROUNDS} rounds of ${POSTS} posts; each cell
is (1) / (2) / (3), with how many times less than (1) in brackets.

| recipients | wall ms per post | Redis CPU ms per post | worker-side CPU ms per post |
|---:|---|---|---|
${table}

Redis still spends most of a recipient's cost inside the script (about a dozen commands: feed
add and trim, log append with its de-duplication index and TTLs, presence read); batching
removes the per-call overhead around them and, on the worker, one command object, one argument
list and one reply per recipient; the newest id in the index removes two reads per recipient.
`;
process.stdout.write(section);
if (!args['no-docs']) await writeSection('Fan-out writes', section);
redis.disconnect();
