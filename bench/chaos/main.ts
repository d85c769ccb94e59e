// `npm run chaos -- [options]`: one fault at a time under steady load with the ledger running,
// on a stack of its own (private redis-server and RabbitMQ node). Faults that need a Redis
// Cluster (redis-failover) run after the others on a second stack, on a private cluster. Writes
// docs/benchmarks/chaos.json and the `## Chaos` section of docs/reliability.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FAULTS, type FaultResult } from './faults.ts';
import { ms, RELIABILITY, replaceSection, sec } from './report.ts';
import { runChaos, type ChaosResult } from './run.ts';
import { randomTag } from './stack.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    faults: { type: 'string', default: Object.keys(FAULTS).join(',') },
    clients: { type: 'string', default: '300' },
    follows: { type: 'string', default: '10' },
    'big-followers': { type: 'string', default: '20000' },
    gateways: { type: 'string', default: '3' },
    rate: { type: 'string', default: '20' },
    'sse-share': { type: 'string', default: '0.3' },
    baseline: { type: 'string', default: '3' },
    after: { type: 'string', default: '12' },
    env: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: 'docs/benchmarks' },
    'no-report': { type: 'boolean', default: false },
  },
});
const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const argv = process.argv.slice(2);
const command = `npm run chaos${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

/** What the system does, per fault (the measured figures are added below it). */
const WHAT: Record<string, string> = {
  'gateway-kill': `The gateway's sockets die with it: HAProxy closes the client side, every client
of that gateway reconnects (backoff with full jitter, 250 ms base) through HAProxy, which sends it
to a live gateway (\`option redispatch\`; the dead one fails its checks within 2 s), and resumes
from its last id: the new gateway subscribes, replays the user's event log after that id, then
goes live. The dead gateway's presence entries expire within 60 s (the worker sends to both
meanwhile), its queue within 60 s. Then the gateway is started again (same id and port).`,
  'gateway-drain': `SIGTERM: the gateway fails its health check (HAProxy stops sending it new
streams), waits \`DRAIN_DELAY_MS\` (2 s), closes its sessions spread over \`DRAIN_WINDOW_MS\` (3 s
here) with code 1012, which clients answer with a reconnect after a random delay under 1 s, and
exits 0 having deleted its queue. Then it is started again.`,
  'worker-kill': `The big author (thousands of followers) posts; the worker is SIGKILLed once the
first follower's log entry is written, i.e. in the middle of the batches, before the live message
(sent once the last batch is done). The unacknowledged messages go back to the quorum queue; the
worker is started again a second later and handles them again: the log appends are idempotent
(the index of event keys returns the entries already written), and the live message carries, per
recipient, the log entry before its own. **What it guards against**: a session that has meanwhile
sent a newer event (a small post fanned out faster, or handled first after the restart) must not
drop the redelivered post as "already sent" (also possible without a crash: a big fan-out
overtaken by a small one). Sessions notice the gap (the previous entry is not the last one they
sent) and fill it from the log, in log order.`,
  'rabbit-restart': `\`rabbitmqctl stop_app\`, 3 s, \`start_app\` on the private node. Posts are still
accepted: they wait in the outbox and the relay publishes them in order when the broker is back.
Gateways report 503 on /health while their link is down (HAProxy marks them down; open streams
stay), then re-declare their queue (non-durable: gone with the restart) and resync every session
from the event logs; the worker reconnects and takes up the durable quorum queue. **What it guards
against**: a backlog handled several messages at a time could append two posts of one author to
followers' logs out of order; the worker handles one author's post events one after the other, in
delivery order.`,
  'redis-restart': `redis-server is SIGKILLed and started again on the same port, empty (no
persistence): every feed, event log and presence entry is gone. Services' commands wait while
ioredis reconnects (backoff with jitter, capped at 2 s); fan-outs that failed are retried (in
place, 1 s apart). Gateways see the reconnect and resync: re-register presence, and replay each session, which
finds its log gone and sends \`feed.reset\` (a new epoch); the client refetches \`GET /post/feed\`
(the feed is rebuilt from Postgres). Posts fanned out before the logs were reopened reach the
client only through that refetch: the ledger counts a post re-fetched after the reset as
delivered, as the SPA merges the refetched page by post id. **What it guards against**: a fan-out
that fails while Redis is down and goes back to the queue would be overtaken by the author's next
post, already in the worker's hands; the worker retries a failing message in place (3 times, 1 s apart, the author's later posts waiting behind
it) before returning it to the queue.`,
  'redis-flush': `\`FLUSHALL\` on the private instance: as a restart, but no connection drops, so
nothing tells the gateways by itself. Until presence is written again the worker finds no gateway
for anyone and sends nothing live (feeds are not written either: a missing feed is rebuilt on
read). **What it guards against**: gateways register presence again at their next heartbeat
(\`GATEWAY_HEARTBEAT_MS\`, 10 s) and live events come back, but without log entries (the logs are
gone and nothing reopens them): without more, clients would never be reset and the posts of those
seconds would be silently missing. A gateway that finds its own heartbeat gone at
its next one (it outlives a heartbeat period, so only a data loss removes it) resyncs every session,
and a live event without a log entry for a user with an open session makes that session catch up
once; either way the replay finds the epoch gone, sends \`feed.reset\`, and the client refetches
(counted as delivered, as above). Recovery is bounded by the heartbeat period.`,
  'redis-failover': `On a second stack whose Redis is a private Redis Cluster (three masters, one
replica each, \`cluster-node-timeout\` 5 s): the master holding a client's keys (a third of every
user's feeds, logs and presence) is SIGKILLed under load. Until its replica is promoted, commands
for its slots fail: the worker retries a failing fan-out in place (1 s apart, for up to
\`FANOUT_RETRY_IN_PLACE_MS\`, 15 s), so the author's later posts wait behind it instead of
overtaking it; feed reads of those users wait (ioredis holds their commands through the failover)
and are answered once the replica serves the slots; rate limits let requests through when Redis
does not answer within 1 s; gateways' presence refreshes for them fail and are retried. Replication is asynchronous, so writes the master acknowledged just
before dying may be missing on the promoted replica: each fan-out pipeline ends with \`WAIT 1\`
(a delivery is published only once the replica has it), so the posts fanned out are all there;
what the gateways wrote without waiting (a log's epoch, a presence entry) is checked at every
refresh: a user whose presence entry or log epoch is gone has their live sessions caught up
from the log, or reset (\`feed.reset\`, and the client refetches). A resume position the log no
longer holds also resets, and drops the cached feed first. **Lost** here is "missed without a
reset": a post neither delivered live nor in the feed refetched after a reset. The killed node is
then started again (empty) and rejoins as a replica of the promoted one.`,
  'core-restart': `SIGTERM: core fails its health check, stops accepting, finishes requests in
flight, stops the relay and exits; it is started again on the same port. Requests arriving
meanwhile are retried by HAProxy (\`retries 3\`, \`option redispatch\`): a restart of about a second
refused none here; a longer one answers 503 (those posts are not accepted, so not owed).
Accepted posts whose outbox rows were not yet published go out when the new relay starts (an
advisory lock keeps one relay publishing, in id order). Streams are on the gateways and do not
notice.`,
};

function writeReport(r: ChaosResult, cmd: string): void {
  const o = r.options;
  const rows = r.results
    .map((x) => {
      const c = x.counts!;
      const reconnect = x.streamsDown ? `${x.streamsDown}: p50 ${ms(x.reconnectMs.p50)}, max ${ms(x.reconnectMs.max)}` : 'none dropped';
      return `| ${x.title} | ${reconnect} | ${x.streamsDown ? sec(x.allUpAfterMs) : '—'} | ${sec(x.healthyAfterMs)} | ${x.deliveryRecoveredAfterMs ? sec(x.deliveryRecoveredAfterMs) : 'none late'} | ${ms(c.latencyMs.p99)} / ${ms(c.latencyMs.max)} | ${c.posts} posts, ${c.delivered}/${c.expected}${c.deliveredViaFeed ? ` (${c.deliveredViaFeed} re-fetched)` : ''} | ${c.lost} / ${c.duplicated} / ${c.outOfOrder} | ${x.resets} | ${x.postsFailed} |`;
    })
    .join('\n');
  const sections = r.results.map((x) => `### ${x.title}\n\n${WHAT[x.id] ?? ''}\n\nThis run: ${x.notes.join('; ')}.\n\n\`\`\`sh\nnpm run chaos -- --faults ${x.id}\n\`\`\``).join('\n\n');
  const t = r.totals;
  replaceSection(
    RELIABILITY,
    'Chaos',
    `
One fault at a time under steady load, with the ledger running: \`npm run chaos\` starts a stack of
its own — core (REST + outbox relay), the fan-out worker, ${o.gateways} gateways and HAProxy as
processes, on a **private redis-server** (\`--save '' --appendonly no\`, a free port) and a
**private RabbitMQ node** (\`test/support/rabbit-node.ts\`), so stopping the broker or flushing Redis
disturbs no one else — and a database of its own. ${o.clients} clients (${Math.round(o.sseShare * 100)} % SSE, the rest
WebSocket \`feed.v1\`), all through HAProxy, each following ${o.follows} others; one "big" author followed by
the clients and ${o.bigFollowers} more users; ${o.postsPerSecond} posts/s by random authors through HAProxy. The faults
follow each other on the same stack, each with its recovery: ${o.baselineMs / 1000} s of load, the fault and the
part brought back, every stream up and every health check 200, then ${o.afterMs / 1000} s more.

The clients (\`bench/chaos/client.ts\`) are the stream SDK's \`FeedClient\`, as the SPA's is: on a
close they reconnect by themselves with exponential backoff and full jitter (250 ms base, 5 s cap;
after a drain's 1012, a random delay under 1 s), resume from the last event id (\`?since=\`,
\`Last-Event-ID\`), and on \`feed.reset\` refetch \`GET /post/feed\` and merge it by post id. A
stream that has not received any event yet has no id to resume from: if it breaks, what came
meanwhile is only in the feed, so the SDK raises \`feed.reset\` itself when it reconnects without
an id, and the client refetches then (the "re-fetched" deliveries of the gateway faults). The
gateway could send each new stream its starting position (an SSE \`id:\` line without data, a
feed.v1 hello) — not done yet.

The ledger (\`bench/ledger.ts\`): every post answered 200 is owed to every follower among the
clients (all of them reconnect and resume). **Lost**: still owed 30 s after the last post.
**Duplicated**: the same post twice on a user's live stream. **Out of order**: a user got author
A's post p after A's post q > p (per author, per follower). A post re-fetched through
\`GET /post/feed\` after a \`feed.reset\` counts as delivered (only the Redis faults need it).

| fault | streams dropped: reconnect time | all streams up after | all healthy after | late deliveries (> 1 s) until | delivery p99 / max | ledger | lost / dup / out of order | resets | POSTs refused |
|---|---|---|---|---|---|---|---|---|---|
${rows}

Times are from the moment of the fault; "all healthy" includes starting the killed process again.
The whole run: ${t.posts} posts, ${t.delivered} of ${t.expected} deliveries (${t.deliveredViaFeed} through a re-fetched feed), lost
${t.lost}, duplicated ${t.duplicated}, out of order ${t.outOfOrder}, unexpected ${t.unexpected}; processes that died on
their own: ${r.crashes.length ? r.crashes.join('; ') : 'none'}. Run of ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC on the 2-core
machine while other benchmarks ran (and a soak); data in [benchmarks/chaos.json](benchmarks/chaos.json).

\`\`\`sh
${cmd}                                  # all faults, ~3 min
npm run chaos -- --faults worker-kill,redis-flush     # some of them
npx vitest run --project services test/chaos          # the short form in npm test
\`\`\`

${sections}

### The short form in \`npm test\`

\`test/chaos/chaos.test.ts\`: 150 clients, 15 posts/s, gateway SIGKILL, worker SIGKILL mid fan-out
(5,000 followers, \`FANOUT_BATCH=200\`), RabbitMQ stop_app/start_app and Redis FLUSHALL, a few
seconds of load each; asserts zero lost, duplicated and out of order, every stream back and every
health check 200.
`,
  );
}

const faults = String(values.faults).split(',').filter(Boolean);
for (const f of faults) if (!FAULTS[f]) throw new Error(`unknown fault ${f}: one of ${Object.keys(FAULTS).join(', ')}`);
const groups = (['single', 'cluster'] as const).map((redis) => ({ redis, faults: faults.filter((f) => (FAULTS[f]!.needs ?? 'single') === redis) })).filter((g) => g.faults.length > 0);
const runs: ChaosResult[] = [];
for (const group of groups) {
  log(`» a stack on ${group.redis === 'cluster' ? 'a private Redis Cluster' : 'a private redis-server'}: ${group.faults.join(', ')}`);
  runs.push(await runChaos(chaosOptions(group.redis, group.faults), log));
}
const result = merge(runs);

/** The runs of each stack as one result: faults in order, the ledgers' totals added up. */
function merge(all: ChaosResult[]): ChaosResult {
  const [first, ...rest] = all;
  if (!first) throw new Error('no fault to run');
  const totals = { ...first.totals };
  for (const r of rest) {
    for (const k of ['posts', 'expected', 'delivered', 'deliveredViaFeed', 'lost', 'duplicated', 'outOfOrder', 'unexpected'] as const) totals[k] += r.totals[k];
    // The worse of the stacks' figures: an upper bound, not the quantile (or mean) of the pooled deliveries.
    const [a, b] = [totals.latencyMs, r.totals.latencyMs];
    totals.latencyMs = { p50: Math.max(a.p50, b.p50), p95: Math.max(a.p95, b.p95), p99: Math.max(a.p99, b.p99), max: Math.max(a.max, b.max), mean: Math.max(a.mean, b.mean) };
  }
  return {
    ...first,
    options: { ...first.options, faults },
    results: all.flatMap((r) => r.results),
    totals,
    orphans: all.reduce((n, r) => n + r.orphans, 0),
    posts: { sent: all.reduce((n, r) => n + r.posts.sent, 0), failed: all.reduce((n, r) => n + r.posts.failed, 0), errors: Object.assign({}, ...all.map((r) => r.posts.errors)) },
    crashes: all.flatMap((r) => r.crashes),
    stillOwed: all.flatMap((r) => r.stillOwed),
    samples: { duplicates: all.flatMap((r) => r.samples.duplicates), outOfOrder: all.flatMap((r) => r.samples.outOfOrder), unexpected: all.flatMap((r) => r.samples.unexpected) },
  };
}

function chaosOptions(redis: 'single' | 'cluster', faults: string[]) {
  return {
    redis,
    adminUrl: process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    database: `feed_chaos_${randomTag()}`,
    clients: Number(values.clients),
    follows: Number(values.follows),
    bigFollowers: Number(values['big-followers']),
    gateways: Number(values.gateways),
    postsPerSecond: Number(values.rate),
    sseShare: Number(values['sse-share']),
    clientsPerProcess: 400,
    env: Object.fromEntries((values.env as string[]).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    faults,
    baselineMs: Number(values.baseline) * 1000,
    afterMs: Number(values.after) * 1000,
  };
}
mkdirSync(String(values.out), { recursive: true });
writeFileSync(`${values.out}/chaos.json`, JSON.stringify({ command, ...result }, null, 1));
const clean = (c: FaultResult['counts']) => !!c && c.lost === 0 && c.duplicated === 0 && c.outOfOrder === 0 && c.unexpected === 0;
const ok = result.results.every((r) => clean(r.counts) && r.unhealthy.length === 0) && result.crashes.length === 0;
if (!values['no-report']) {
  writeReport(result, command);
  log(`wrote ${values.out}/chaos.json and the ## Chaos section of ${RELIABILITY}`);
}
log(ok ? '✓ every fault: zero lost, duplicated, out of order; every process healthy again' : '✗ see above');
process.exit(ok ? 0 : 1);
