// Writes the load tool's results: SVG charts into docs/benchmarks/ and the
// `## End to end (ledger)` section of docs/benchmarks.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { writeSection } from '../report.ts';
import { nearestRank } from '../stats.ts';
import { barChart, lineChart } from './charts.ts';
import type { LoadResult } from './load.ts';
import { KNEE_P99_MS, SATURATED_P99_MS, type RunResult } from './run.ts';
import { CLIENT_HOP, tailHop } from './edge-stats.ts';
import { SYSTEM_LABEL } from './stack.ts';
import { summarize, type SystemSummary } from './rounds.ts';

export const TITLE = 'End to end (ledger)';
/** Runs rendered after the main one (load.json), each from its own saved JSON when present. */
const SIDE_RUNS = ['load-light.json', 'load-websocket.json', 'load-websocket-3000.json'];
const FINDINGS = new URL('./findings.md', import.meta.url);

const f1 = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–');
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');

/** Per edge node, messages consumed per second of the posting window. */
export const inboundPerSecond = (r: RunResult) => mean(r.messagesIn) / r.ledger.windowSeconds;
/** Per edge node, messages consumed per post. */
export const inboundPerPost = (r: RunResult) => mean(r.messagesIn) / Math.max(1, r.ledger.posts);

function cdf(r: RunResult): [number, number][] {
  const s = [...r.latencySample].sort((a, b) => a - b);
  const pts: [number, number][] = [];
  for (let i = 0; i < 200 && s.length; i++) {
    const q = i / 199;
    pts.push([Math.max(0.1, nearestRank(s, q)), q * 100]);
  }
  return pts;
}

function runRow(r: RunResult): string {
  const l = r.ledger;
  const c = r.clients;
  const broken = r.verdict && !r.verdict.ok ? `✗ ${r.verdict.problems.join('; ')}: ` : '';
  return `| ${broken}${r.label} | ${int(c.connected)} (${int(c.ws)} WS, ${int(c.sse)} SSE${c.sio ? `, ${int(c.sio)} Socket.IO` : ''}; ${int(c.viaHaproxy)} via HAProxy) | ${f1(r.target.postsPerSecond)} | ${int(l.expected)} | **${int(l.deliveriesPerSecond)}** | ${f1(l.latencyMs.p50)} | ${f1(l.latencyMs.p95)} | **${f1(l.latencyMs.p99)}** | ${f1(l.latencyMs.max)} | ${int(l.lost)} | ${int(l.duplicated)} | ${int(l.outOfOrder)} | ${r.messagesIn.map(int).join(' / ')} (${f1(inboundPerPost(r))}/post) | ${f3(r.cpuMsPerDelivery)} | ${f3(r.cpuMsPerDeliveryWithServices)} | ${f1(r.memoryPerConnectionKb)} |`;
}

const RUN_HEADER = `| run | clients | posts/s | deliveries owed | delivered/s | p50 ms | p95 ms | p99 ms | max ms | lost | dup | out of order | messages in per edge node | CPU ms/delivery (own) | with Redis+RabbitMQ+PG | RSS KiB/conn |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|`;

function processTable(r: RunResult): string {
  const rows = new Map<string, { cpu: number; pct: number; rss: number; n: number }>();
  for (const p of r.processes) {
    const key = ['redis', 'rabbitmq', 'postgres', 'clients'].includes(p.role) ? p.role : p.name;
    const e = rows.get(key) ?? { cpu: 0, pct: 0, rss: 0, n: 0 };
    e.cpu += p.cpuSeconds;
    e.pct += p.cpuPercent;
    e.rss += p.rssMbPeak;
    e.n++;
    rows.set(key, e);
  }
  return ['| process | CPU s | CPU % of a core | peak RSS MiB |', '|---|---:|---:|---:|', ...[...rows].map(([k, e]) => `| ${k}${e.n > 1 ? ` (${e.n})` : ''} | ${f1(e.cpu)} | ${f1(e.pct)} | ${f1(e.rss)} |`)].join('\n');
}

export async function writeReport(r: LoadResult, command: string, dir = 'docs/benchmarks'): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const ours = r.comparison.find((x) => x.system === 'ours');
  // The bar chart's ratios, like the ratio table's, are between the systems' medians over their rounds.
  const summaries = summarize(r.comparison, inboundPerPost);
  const base = summaries.find((x) => x.system === 'ours');
  const charts: string[] = [];
  if (r.comparison.length) {
    writeFileSync(
      `${dir}/load-latency.svg`,
      lineChart({
        title: `Delivery latency CDF, ${int(r.options.clients)} clients, ${int(r.options.rate)} deliveries/s target`,
        xLabel: 'ms from POST sent to event received (log)',
        yLabel: '% of deliveries',
        logX: true,
        series: firstOfEach(r.comparison).map((x) => ({ name: x.system, points: cdf(x) })),
      }),
    );
    charts.push('![latency CDF](benchmarks/load-latency.svg)');
    writeFileSync(
      `${dir}/load-comparison.svg`,
      barChart({
        title: 'Side by side, relative to ours (= 1)',
        yLabel: 'ratio to ours',
        groups: ['deliveries/s', 'p99 latency', 'inbound msgs / edge node', 'CPU per delivery'],
        series: summaries.map((x) => {
          const v = base ? [x.deliveriesPerSecond / base.deliveriesPerSecond, x.p99.median / base.p99.median, x.inboundPerPost / base.inboundPerPost, x.cpuMsPerDelivery.median / base.cpuMsPerDelivery.median] : [1, 1, 1, 1];
          return { name: x.system, values: v, labels: v.map((n) => `${n.toFixed(2)}`) };
        }),
      }),
    );
    charts.push('![side by side](benchmarks/load-comparison.svg)');
  }
  const kneeRuns = r.comparison.filter((x) => x.knee?.steps.length);
  if (kneeRuns.length) {
    writeFileSync(
      `${dir}/load-knee.svg`,
      lineChart({
        title: `p99 latency against offered rate, ${int(r.options.clients)} clients`,
        xLabel: 'offered deliveries/s',
        yLabel: 'p99 ms',
        series: kneeRuns.map((x) => ({ name: x.system, points: x.knee.steps.map((k) => [k.rate, k.p99] as [number, number]) })),
      }),
    );
    charts.push('![knee](benchmarks/load-knee.svg)');
  }
  if (r.scaling.length) {
    const pts = (fn: (x: RunResult) => number) => r.scaling.map((x) => [x.gateways, fn(x)] as [number, number]);
    writeFileSync(
      `${dir}/load-scaling.svg`,
      lineChart({
        title: 'Scaling at the same load per gateway',
        xLabel: 'gateways',
        yLabel: 'value',
        series: [
          { name: 'msgs in / gateway / s ÷ 100', points: pts((x) => inboundPerSecond(x) / 100) },
          { name: 'CPU µs / delivery ÷ 100', points: pts((x) => (x.cpuMsPerDelivery * 1000) / 100) },
          { name: 'p99 ms ÷ 10', points: pts((x) => x.ledger.latencyMs.p99 / 10) },
          { name: 'deliveries/s ÷ 1000', points: pts((x) => x.ledger.deliveriesPerSecond / 1000) },
        ],
      }),
    );
    charts.push('![scaling](benchmarks/load-scaling.svg)');
  }

  const pg = (() => {
    try {
      return execSync(`psql -X -A -t -c 'SHOW server_version' postgres://postgres@127.0.0.1:5432/postgres`, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  })();
  const o = r.options;
  const lines: string[] = [];
  lines.push(`## ${TITLE}`, '');
  lines.push(
    'Every post is written to a ledger with the followers who must receive it (from the follow graph when it is posted); every client reports each event it receives (post id, user, time) to the load tool over IPC. Latency runs from just before `POST /post/create` is sent to the moment the client process reads the event, so it includes the API, Postgres, the outbox relay, RabbitMQ, the fan-out worker, Redis and the gateway. The tool is `bench/load/` (README there).',
    '',
    '```sh',
    command,
    '```',
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memGiB} GiB, Node ${r.machine.node}, PostgreSQL ${pg}, Linux ${r.machine.kernel}; ${r.startedAt.slice(0, 10)}. Absolute figures move between runs with whatever else the machine runs (see "How to read these runs" for this run); the systems were compared side by side in one run, on one database and follow graph, one after the other, and the ratios are what to read.`,
    '',
    `Workload: ${int(r.graph.users)} users, each following ${o.follows} random others (mean ${f1(r.graph.meanOrdinaryFollowers)} followers), ${r.graph.celebrities} celebrities followed by ${o.celebrityReach * 100}% of users (mean ${int(r.graph.meanCelebrityFollowers)} followers, threshold ${int(r.graph.celebrityThreshold)}: not fanned out on write), ${o.celebrityShare * 100}% of posts by celebrities; ${int(o.clients)} clients, one stream per user, ${o.sseShare * 100}% SSE and the rest WebSocket \`feed.v1\`, ${o.haproxyShare * 100}% through HAProxy and the rest straight to the gateways (HAProxy's maxconn is 9000), in client processes of ${int(o.clientsPerProcess)}; ${o.seconds} s of posting at the rate that gives ${int(o.rate)} deliveries/s, ${o.workers} fan-out worker(s). CPU is from \`/proc/<pid>/stat\` over the measured window: "own" is core + workers + edge nodes (HAProxy is left out: only our systems route clients through it, Socket.IO's run has none); Redis, RabbitMQ and Postgres are shared with the rest of the machine, so the second CPU column overstates.`,
    '',
  );
  if (r.comparison.length) {
    lines.push('### Side by side', '', RUN_HEADER, ...r.comparison.map(runRow), '');
    lines.push(
      "The alternatives share everything but the live delivery path: the same API, outbox relay and fan-out worker (feeds and event logs written the same way), the same clients and ledger. (1) **broadcast**: the worker publishes each event once to a fanout exchange that every gateway's queue is bound to, listing all recipients; each gateway keeps its own. (2) **per-user**: each gateway binds its queue with routing key `u.<user>` for every user it holds (bind on the first session, unbind on the last); the worker publishes one message per recipient (celebrity posts: one per follower). (3) **Socket.IO**: two Socket.IO 4 nodes with `@socket.io/redis-adapter`, one room per user; the worker emits through `@socket.io/redis-emitter` to the rooms of the recipients (every node receives every emit over Redis pub/sub and keeps the rooms it holds); clients are `socket.io-client` over WebSocket, straight to the nodes.",
      '',
    );
    if (ours) {
      lines.push(...ratioTable(r.comparison));
      lines.push('', `Processes in our run (${ours.label}):`, '', processTable(ours), '');
    }
    lines.push(...hopTable(firstOfEach(r.comparison)));
    if (kneeRuns.length) {
      const rates = [...new Set(kneeRuns.flatMap((x) => x.knee.steps.map((k) => k.rate)))].sort((a, b) => a - b);
      lines.push(
        `### The knee: the highest offered rate with p99 ≤ ${KNEE_P99_MS} ms`,
        '',
        `After each system's measured run, with the same stack and clients, the tool posts at rising rates (\`--knee\`, ${o.kneeSeconds} s each) and stops after the first step whose p99 passes ${SATURATED_P99_MS} ms (saturated) or that loses anything; the knee is the highest step up to which every p99 is within ${KNEE_P99_MS} ms. Cells: p50 / p99 ms (✗: that step lost, duplicated or reordered deliveries).`,
        '',
        `| system | knee (deliveries/s) | ${rates.map((x) => `${int(x)}/s`).join(' | ')} |`,
        `|---|---:|${rates.map(() => '---:').join('|')}|`,
        ...kneeRuns.map((x) => {
          const cells = rates.map((rate) => {
            const k = x.knee.steps.find((e) => e.rate === rate);
            return k ? `${k.verdict.ok ? '' : '✗ '}${f1(k.p50)} / ${f1(k.p99)}` : '';
          });
          return `| ${SYSTEM_LABEL[x.system]} | **${x.knee.rate === null ? 'none' : int(x.knee.rate)}** | ${cells.join(' | ')} |`;
        }),
        '',
      );
    }
  }
  // Further side-by-side runs kept beside the main one: copy a run's load.json to one of these.
  for (const file of SIDE_RUNS) {
    const path = `${dir}/${file}`;
    if (!existsSync(path)) continue;
    const side = JSON.parse(readFileSync(path, 'utf8')) as LoadResult & { command?: string };
    const so = side.options;
    const webSocketOnly = so.sseShare === 0 && so.haproxyShare === 0;
    // A side run from another machine says so: its absolute figures do not compare with the main run's.
    const elsewhere = side.machine.cpuModel === r.machine.cpuModel ? '' : `, on ${side.machine.cpus} cores of ${side.machine.cpuModel}`;
    lines.push(
      `### Side by side at ${int(so.rate)} deliveries/s${webSocketOnly ? ', every client on WebSocket straight to its edge node' : ''}`,
      '',
      '```sh',
      side.command ?? '',
      '```',
      '',
      `Same workload${webSocketOnly ? ', with the clients Socket.IO has: all on WebSocket, none through HAProxy' : ' and clients'}, ${int(so.rate)} deliveries/s (${side.startedAt.slice(0, 16).replace('T', ' ')} UTC${elsewhere}).`,
      '',
      RUN_HEADER,
      ...side.comparison.map(runRow),
      '',
      ...ratioTable(side.comparison),
      '',
      ...hopTable(firstOfEach(side.comparison), true),
    );
  }
  if (r.scaling.length) {
    lines.push(
      '### Scaling: 1, 2 and 4 gateways at the same load per gateway',
      '',
      `Each gateway holds ${int(o.clients / Math.max(...o.scaling))} clients and gets ${int(o.rate / Math.max(...o.scaling))} deliveries/s; all clients straight to the gateways.`,
      '',
      RUN_HEADER,
      ...r.scaling.map(runRow),
      '',
      '| gateways | inbound msgs per gateway per s | per gateway per post | recipients per message | CPU ms per delivery (own) | gateway CPU ms per delivery |',
      '|---:|---:|---:|---:|---:|---:|',
      ...r.scaling.map((x) => {
        const gwCpu = x.processes.filter((p) => p.role === 'gateway').reduce((s, p) => s + p.cpuSeconds, 0);
        const msgs = x.messagesIn.reduce((a, b) => a + b, 0);
        return `| ${x.gateways} | ${f1(inboundPerSecond(x))} | ${f1(inboundPerPost(x))} | ${f1(x.ledger.delivered / Math.max(1, msgs))} | ${f3(x.cpuMsPerDelivery)} | ${f3((gwCpu * 1000) / Math.max(1, x.ledger.delivered))} |`;
      }),
      '',
    );
  }
  lines.push(...charts.map((c) => `${c}\n`));
  if (existsSync(FINDINGS)) lines.push(readFileSync(FINDINGS, 'utf8').trim(), '');
  await writeSection(TITLE, lines.join('\n'));
}

/** Each system's first run (the charts and the hop table show one run per system). */
function firstOfEach(runs: readonly RunResult[]): RunResult[] {
  return runs.filter((x, i) => runs.findIndex((y) => y.system === x.system) === i);
}

const each = (xs: number[], fmt: (v: number) => string) => (xs.length > 1 ? ` (${xs.map(fmt).join(', ')})` : '');

/**
 * Ratios against ours, between the systems' medians over their runs (one run each: its own
 * figures). With several rounds, each cell also lists the rounds' own figures, in round order.
 */
function ratioTable(runs: readonly RunResult[]): string[] {
  const summaries = summarize(runs, inboundPerPost);
  const ours = summaries.find((x) => x.system === 'ours');
  if (!ours) return [];
  const rounds = Math.max(...summaries.map((x) => x.rounds));
  const row = (x: SystemSummary) => {
    if (!x.ok) return `| ${SYSTEM_LABEL[x.system]} | ✗ ${x.problems.join('; ')} | – | – | – | – |`;
    return `| ${SYSTEM_LABEL[x.system]} | ${ratio(x.deliveriesPerSecond, ours.deliveriesPerSecond)} | ${ratio(x.p99.median, ours.p99.median)} | ${ratio(x.inboundPerPost, ours.inboundPerPost)} | ${ratio(x.cpuMsPerDelivery.median, ours.cpuMsPerDelivery.median)} | ${ratio(x.cpuMsPerDeliveryWithServices.median, ours.cpuMsPerDeliveryWithServices.median)} |`;
  };
  const lines = [
    rounds > 1 ? `Ratios against ours between the medians of ${rounds} rounds (> 1 means more than ours):` : 'Ratios against ours (> 1 means more than ours):',
    '',
    '| system | deliveries/s | p99 | inbound msgs per edge node | CPU per delivery (own) | with Redis+RabbitMQ+PG |',
    '|---|---:|---:|---:|---:|---:|',
    ...summaries.map(row),
  ];
  if (rounds > 1) {
    lines.push(
      '',
      `Medians over the rounds, and each round's figure in brackets (round 1 first; each round ran the systems in an order rotated by one from the round before):`,
      '',
      '| system | p99 ms | CPU ms/delivery (own) | with Redis+RabbitMQ+PG |',
      '|---|---:|---:|---:|',
      ...summaries.map(
        (x) =>
          `| ${SYSTEM_LABEL[x.system]} | ${f1(x.p99.median)}${each(x.p99.each, f1)} | ${f3(x.cpuMsPerDelivery.median)}${each(x.cpuMsPerDelivery.each, f3)} | ${f3(x.cpuMsPerDeliveryWithServices.median)}${each(x.cpuMsPerDeliveryWithServices.each, f3)} |`,
      ),
    );
  }
  return lines;
}

/** What the hop table shows, above the main run's. */
const HOP_INTRO =
  'How old a post\'s event is (since its `createdAt`, reserved just before the insert) as it leaves each hop, from the processes\' own histograms (`feed_pipeline_age_seconds`, `gateway_delivery_lag_seconds`; 1 ms buckets to 10 ms, coarser above): the upper bounds of the buckets holding the p50 and the p99, ms. The hops before "socket written" count events, that one counts recipients. "Client received" is the ledger\'s latency (exact, timed in the client processes from just before the POST). "Tail" is the hop whose p99 grows most over the one before. Socket.IO\'s nodes record none.';

/** Per system, the event's age as it left each hop (p50 / p99 bucket bounds) and where the tail builds. */
function hopTable(runs: RunResult[], side = false): string[] {
  const timed = runs.filter((x) => x.hops?.some((h) => h.count > 0));
  if (!timed.length) return [];
  const hops = timed[0]!.hops.map((h) => h.hop);
  return [
    ...(side ? ["#### The event's age at each hop", '', "Read as the main run's hop table, for this run's first round."] : ["### Where the time goes: the event's age at each hop", '', HOP_INTRO]),
    '',
    `| system | ${hops.join(' | ')} | ${CLIENT_HOP} | tail |`,
    `|---|${hops.map(() => '---:').join('|')}|---:|---|`,
    ...timed.map((x) => {
      const tail = tailHop(
        x.hops.filter((h) => h.count > 0),
        x.ledger.latencyMs,
      );
      return `| ${SYSTEM_LABEL[x.system]} | ${x.hops.map((h) => (h.count ? `${h.p50} / ${h.p99}` : '–')).join(' | ')} | ${Math.ceil(x.ledger.latencyMs.p50)} / ${Math.ceil(x.ledger.latencyMs.p99)} | ${tail ? `${tail.hop} (+${tail.addsMs} ms)` : '–'} |`;
    }),
    '',
  ];
}
