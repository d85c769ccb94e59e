// `npm run bench:fanout [-- --recipients 100,1000 --posts 1000 --rounds 3]`
//
// The fan-out worker's Redis writes for one post, side by side in one run on the same Redis:
// `Fanout.deliver` (one script call per 100 recipients, the shared arguments once per call)
// against the baseline it replaced, one script call per recipient with the same Lua, all in one
// pipeline. Every recipient has a built feed, an open event log and a presence entry (an online
// user: the costly case). Per post: wall time, Redis CPU (`INFO cpu`, server-wide) and this
// process's CPU (encoding and parsing the calls, as the worker does). Rounds alternate the two
// and so does which goes first, so that a noisy neighbour
// and the growing logs hit both. Keys under `bench:fanout:`, removed at the end.
//
// Prints progress to stderr, the summary to stdout, and writes `## Fan-out writes` of
// docs/benchmarks.md.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createCache, type FanoutStep } from '@feed/cache';
import { FEED_LUA } from '../cache/src/feed.ts';
import { LOG_LUA } from '../cache/src/event-log.ts';
import { PRESENCE_LUA } from '../cache/src/presence.ts';
import { writeSection } from './report.ts';

const PREFIX = 'bench:fanout:';
const { values: args } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100,1000' },
    posts: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const SIZES = String(args.recipients).split(',').map(Number);
const POSTS = Number(args.posts);
const ROUNDS = Number(args.rounds);

// The design before batching: the same per-recipient step, one script call per recipient.
const PER_RECIPIENT_LUA = `${FEED_LUA}${LOG_LUA}${PRESENCE_LUA}
if ARGV[9] ~= '' and redis.call('HEXISTS', KEYS[6], ARGV[9]) == 1 then return {'', '', ''} end
if ARGV[1] == 'add' then feed_add(KEYS[1], KEYS[2], KEYS[3], KEYS[8], tonumber(ARGV[3]), {ARGV[2]})
elseif ARGV[1] == 'remove' then feed_remove(KEYS[1], KEYS[2], KEYS[3], KEYS[8], {ARGV[2]}) end
local entry = log_append(KEYS[4], KEYS[5], KEYS[6], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
local reply = {'', '', ''}
if entry then reply = {entry[1], entry[2], entry[3]} end
for _, gateway in ipairs(presence_of(KEYS[7], ARGV[8])) do reply[#reply + 1] = gateway end
return reply`;

const started = performance.now();
const log = (msg: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

const redis = new Redis(String(args['redis-url']));
redis.defineCommand('perRecipientDeliver', { numberOfKeys: 8, lua: PER_RECIPIENT_LUA });
const cache = createCache(redis, { prefix: PREFIX });
const k = cache.keys;
const payload = JSON.stringify({ type: 'post.created', postId: '1', authorId: '42', text: 'Пример поста для ленты: '.repeat(5) });

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
  return field('used_cpu_sys') + field('used_cpu_user');
}

async function prepare(userIds: string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += 100) {
    const slice = userIds.slice(i, i + 100);
    await Promise.all(slice.map(async (u) => {
      await cache.logs.open(u);
      await cache.feeds.replace(u, [], (await cache.feeds.lock(u, 10_000))!);
    }));
    await cache.presence.register('g1', slice, 3_600_000);
  }
}

type Deliver = (userIds: string[], step: FanoutStep) => Promise<unknown>;
const batched: Deliver = (userIds, step) => cache.fanout.deliver(userIds, step);
const perRecipient: Deliver = (userIds, step) => {
  const pipeline = redis.pipeline();
  const now = Date.now();
  for (const u of userIds) {
    (pipeline as unknown as Record<string, (...a: (string | number)[]) => unknown>).perRecipientDeliver!(
      k.feed(u), k.feedPending(u), k.feedLock(u), k.log(u), k.logEpoch(u), k.logIndex(u), k.presence(u), k.feedRemoved(u),
      step.feed, step.postId, 1000, step.eventKey, step.payload, 1000, 86_400, now, step.cancelledBy ?? '',
    );
  }
  return pipeline.exec();
};

interface Sample { wallMs: number; redisMs: number; clientMs: number }
let nextPost = 1;

async function measure(deliver: Deliver, userIds: string[]): Promise<Sample> {
  const redis0 = await redisCpuSeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < POSTS; p++) {
    const postId = String(nextPost++);
    await deliver(userIds, { feed: 'add', postId, eventKey: `created:${postId}`, payload, cancelledBy: `deleted:${postId}` });
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisMs = ((await redisCpuSeconds()) - redis0) * 1000;
  return { wallMs: wallMs / POSTS, redisMs: redisMs / POSTS, clientMs: (cpu.user + cpu.system) / 1000 / POSTS };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: { size: number; base: Sample; ours: Sample }[] = [];

try {
  for (const size of SIZES) {
    const userIds = Array.from({ length: size }, (_, i) => String(1_000_000 + i));
    log(`${size} recipients: preparing feeds, logs and presence`);
    await prepare(userIds);
    await measure(batched, userIds.slice(0, 10)); // warm-up: scripts loaded, JIT warm
    await measure(perRecipient, userIds.slice(0, 10));
    const base: Sample[] = [];
    const ours: Sample[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      // Which goes first alternates too: logs and feeds grow as the run goes on.
      if (r % 2) {
        base.push(await measure(perRecipient, userIds));
        ours.push(await measure(batched, userIds));
      } else {
        ours.push(await measure(batched, userIds));
        base.push(await measure(perRecipient, userIds));
      }
      log(`${size} recipients, round ${r}/${ROUNDS}: per recipient ${base.at(-1)!.wallMs.toFixed(2)} ms/post, batched ${ours.at(-1)!.wallMs.toFixed(2)} ms/post`);
    }
    const pick = (xs: Sample[]): Sample => ({ wallMs: median(xs.map((x) => x.wallMs)), redisMs: median(xs.map((x) => x.redisMs)), clientMs: median(xs.map((x) => x.clientMs)) });
    rows.push({ size, base: pick(base), ours: pick(ours) });
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
const table = rows
  .map(({ size, base, ours }) =>
    `| ${size} | ${f(base.wallMs)} / ${f(ours.wallMs)} (${ratio(base.wallMs, ours.wallMs)}) | ${f(base.redisMs)} / ${f(ours.redisMs)} (${ratio(base.redisMs, ours.redisMs)}) | ${f(base.clientMs)} / ${f(ours.clientMs)} (${ratio(base.clientMs, ours.clientMs)}) |`)
  .join('\n');
const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const version = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1];
const section = `## Fan-out writes

The fan-out worker's Redis writes for one ordinary post (feed, event log and presence of every
recipient), batched as \`Fanout.deliver\` does it (one script call per 100 recipients, shared
arguments once) against one script call per recipient with the same Lua in one pipeline (the
design before), side by side in one run, rounds alternating.

\`\`\`sh
npm run bench:fanout -- --recipients ${SIZES.join(',')} --posts ${POSTS} --rounds ${ROUNDS}
\`\`\`

Machine: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.cpus()[0]?.model.trim()}; Redis ${version},
Node ${process.version}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load} at the end.
Every recipient online (built feed, open log, presence entry). Medians of ${ROUNDS} rounds of ${POSTS} posts; each cell
is per recipient call / batched (how many times less the batched one takes).

| recipients | wall ms per post | Redis CPU ms per post | worker-side CPU ms per post |
|---:|---|---|---|
${table}

Redis still spends most of a recipient's cost inside the script (about fourteen commands: feed
add and trim, log append with its de-duplication index and TTLs, presence read); batching
removes the per-call overhead around them and, on the worker, one command object, one argument
list and one reply per recipient.
`;
process.stdout.write(section);
if (!args['no-docs']) await writeSection('Fan-out writes', section);
redis.disconnect();
