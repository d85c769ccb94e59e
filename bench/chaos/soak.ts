// `npm run soak -- --minutes 30`: steady load on the chaos stack (core, worker, gateways,
// HAProxy, private Redis and RabbitMQ), sampling every 10 s each process's RSS (/proc), heap
// and event-loop lag (/metrics: prom-client's default metrics; the worker serves them on
// WORKER_METRICS_PORT) and the delivery latency p99 of the window. Writes
// docs/benchmarks/soak.json, docs/benchmarks/soak.svg and the `## Soak` section of
// docs/reliability.md with the flatness verdict (RSS slope per hour, p99 first vs last window).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { lineChart } from '../load/charts.ts';
import { now } from '../clock.ts';
import { startHarness } from './harness.ts';
import { quantile } from '../stats.ts';
import { ms, promValue, RELIABILITY, replaceSection, slope } from './report.ts';
import { randomTag } from './stack.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    minutes: { type: 'string', default: '30' },
    clients: { type: 'string', default: '400' },
    rate: { type: 'string', default: '20' },
    gateways: { type: 'string', default: '2' },
    'sample-seconds': { type: 'string', default: '10' },
    out: { type: 'string', default: 'docs/benchmarks' },
    'no-report': { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const sampleMs = Number(values['sample-seconds']) * 1000;
const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();

interface ProcSample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** prom-client's event-loop lag gauges, ms. */
  lagMs: number;
  lagP99Ms: number;
}
interface Sample {
  t: number;
  procs: Record<string, ProcSample>;
  deliveries: number;
  p50: number;
  p99: number;
  max: number;
  downStreams: number;
}

log(`soak: ${minutes} min, ${values.clients} clients, ${values.rate} posts/s, ${values.gateways} gateways`);
const h = await startHarness({
  adminUrl: process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  database: `feed_soak_${randomTag()}`,
  clients: Number(values.clients),
  follows: 10,
  bigFollowers: 0,
  gateways: Number(values.gateways),
  postsPerSecond: Number(values.rate),
  sseShare: 0.3,
  clientsPerProcess: 400,
  log,
});
const samples: Sample[] = [];
let exitCode = 0;
try {
  const names = h.stack.names().filter((n) => n !== 'haproxy');
  const t0 = now();
  let cursor = 0;
  const byTime = () => h.ledger.deliveries; // appended in arrival order
  const end = Date.now() + minutes * 60_000;
  let windowStart = now();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(sampleMs, end - Date.now())));
    const t = now();
    const procs: Record<string, ProcSample> = {};
    for (const name of names) {
      let text = '';
      try {
        text = await h.stack.metrics(name);
      } catch {
        /* unanswered: NaN below */
      }
      procs[name] = {
        rssMb: h.stack.rssMb(name) ?? NaN,
        heapUsedMb: promValue(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
        heapTotalMb: promValue(text, 'nodejs_heap_size_total_bytes') / 2 ** 20,
        lagMs: promValue(text, 'nodejs_eventloop_lag_seconds') * 1000,
        lagP99Ms: promValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      };
    }
    const all = byTime();
    const window: number[] = [];
    for (; cursor < all.length; cursor++) {
      const d = all[cursor]!;
      if (!d.viaFeed) window.push(d.at - d.sentAt);
    }
    const s: Sample = { t: (t - t0) / 1000, procs, deliveries: window.length, p50: quantile(window, 0.5), p99: quantile(window, 0.99), max: Math.max(...window), downStreams: h.down.size };
    samples.push(s);
    windowStart = t;
    log(`  ${(s.t / 60).toFixed(1)} min: ${s.deliveries} deliveries, p99 ${ms(s.p99)}; ` + names.map((n) => `${n} ${procs[n]!.rssMb.toFixed(0)}/${procs[n]!.heapUsedMb.toFixed(0)} MB lag ${procs[n]!.lagP99Ms.toFixed(0)} ms`).join(', '));
  }
  void windowStart;
  await h.stopPosting();
  const owed = await h.waitSettled(30_000);
  const totals = h.ledger.counts();
  const health = await h.stack.health();
  const crashes = h.stack.crashes();

  // The verdict: RSS slope per hour by least squares over the samples after the first two
  // minutes (start-up, JIT and pools filling), and p99 of the first vs the last minute.
  const settled = samples.filter((s) => s.t >= 120);
  const perProc = names.map((name) => {
    const rss = settled.map((s) => [s.t / 3600, s.procs[name]!.rssMb] as [number, number]).filter(([, v]) => Number.isFinite(v));
    const heap = settled.map((s) => [s.t / 3600, s.procs[name]!.heapUsedMb] as [number, number]).filter(([, v]) => Number.isFinite(v));
    const first = samples[0]!.procs[name]!;
    const last = samples.at(-1)!.procs[name]!;
    const lags = samples.map((s) => s.procs[name]!.lagP99Ms).filter(Number.isFinite);
    return {
      name,
      rssStartMb: first.rssMb,
      rssEndMb: last.rssMb,
      rssPeakMb: Math.max(...samples.map((s) => s.procs[name]!.rssMb)),
      rssSlopeMbPerHour: slope(rss),
      heapStartMb: first.heapUsedMb,
      heapEndMb: last.heapUsedMb,
      heapSlopeMbPerHour: slope(heap),
      lagP99MedianMs: quantile(lags, 0.5),
      lagP99MaxMs: Math.max(...lags),
    };
  });
  const perMinute = Math.max(1, Math.round(60_000 / sampleMs));
  const windowP99 = (list: Sample[]) => {
    // Recompute from the deliveries of those samples' time span.
    const from = list[0]!.t - sampleMs / 1000;
    const to = list.at(-1)!.t;
    const lat = h.ledger.deliveries.filter((d) => !d.viaFeed && (d.at - t0) / 1000 >= from && (d.at - t0) / 1000 < to).map((d) => d.at - d.sentAt);
    return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), n: lat.length };
  };
  const firstWindow = windowP99(samples.slice(0, perMinute));
  const lastWindow = windowP99(samples.slice(-perMinute));
  const rssLimit = 20; // MB per hour
  const flatRss = perProc.every((p) => !(p.rssSlopeMbPerHour > rssLimit));
  const flatP99 = lastWindow.p99 <= Math.max(2 * firstWindow.p99, firstWindow.p99 + 50);
  const clean = totals.lost === 0 && totals.duplicated === 0 && totals.outOfOrder === 0 && totals.unexpected === 0 && owed === 0;
  const verdict = flatRss && flatP99 && clean ? 'flat' : `not flat (${[!flatRss && 'RSS grows', !flatP99 && 'p99 grows', !clean && 'ledger not clean'].filter(Boolean).join(', ')})`;
  const result = {
    startedAt: new Date(started).toISOString(),
    command,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, load1AtEnd: os.loadavg()[0] },
    settings: { minutes, clients: Number(values.clients), postsPerSecond: Number(values.rate), gateways: Number(values.gateways), sampleSeconds: sampleMs / 1000 },
    posts: { sent: h.postStats.sent, failed: h.postStats.failed, errors: Object.fromEntries(h.postStats.errors) },
    ledger: totals,
    firstWindow,
    lastWindow,
    perProcess: perProc,
    verdict,
    health,
    crashes,
    samples,
  };
  mkdirSync(String(values.out), { recursive: true });
  writeFileSync(`${values.out}/soak.json`, JSON.stringify(result, null, 1));
  const rssChart = lineChart({
    title: `Soak: RSS per process (${minutes} min)`,
    xLabel: 'minutes',
    yLabel: 'RSS, MB',
    series: names.map((n) => ({ name: n, points: samples.map((s) => [s.t / 60, s.procs[n]!.rssMb] as [number, number]) })),
    width: 720,
    height: 300,
  });
  const p99Chart = lineChart({
    title: 'Delivery latency p99 per 10 s window, and event-loop lag p99',
    xLabel: 'minutes',
    yLabel: 'ms',
    series: [
      { name: 'delivery p99', points: samples.filter((s) => Number.isFinite(s.p99)).map((s) => [s.t / 60, s.p99] as [number, number]) },
      ...names.map((n) => ({ name: `${n} loop lag p99`, points: samples.filter((s) => Number.isFinite(s.procs[n]!.lagP99Ms)).map((s) => [s.t / 60, s.procs[n]!.lagP99Ms] as [number, number]) })),
    ],
    width: 720,
    height: 300,
  });
  // Two charts stacked in one SVG.
  const inner = (svg: string) => svg.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '');
  writeFileSync(
    `${values.out}/soak.svg`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="600" font-family="sans-serif" font-size="11">\n<g>${inner(rssChart)}</g>\n<g transform="translate(0 300)">${inner(p99Chart)}</g>\n</svg>\n`,
  );
  log(`wrote ${values.out}/soak.json and soak.svg; verdict: ${verdict}`);
  if (!values['no-report']) {
    const rows = perProc
      .map(
        (p) =>
          `| ${p.name} | ${p.rssStartMb.toFixed(0)} → ${p.rssEndMb.toFixed(0)} (peak ${p.rssPeakMb.toFixed(0)}) | ${p.rssSlopeMbPerHour.toFixed(1)} | ${p.heapStartMb.toFixed(1)} → ${p.heapEndMb.toFixed(1)} | ${p.heapSlopeMbPerHour.toFixed(1)} | ${p.lagP99MedianMs.toFixed(1)} / ${p.lagP99MaxMs.toFixed(0)} |`,
      )
      .join('\n');
    replaceSection(
      RELIABILITY,
      'Soak',
      `
Steady load for a long time on the chaos stack (core, fan-out worker, ${values.gateways} gateways, HAProxy,
a private redis-server and RabbitMQ node): ${values.clients} clients (30 % SSE, the rest WebSocket
\`feed.v1\`) through HAProxy, ${values.rate} posts/s by random authors, each followed by 10 of the
clients. Every 10 s: each process's RSS (\`/proc\`), V8 heap used and event-loop lag p99 (prom-client's
default metrics on \`/metrics\`; the worker serves them on \`WORKER_METRICS_PORT\`), and the delivery
latency p99 of the window (from \`POST /post/create\` to the frame, in the ledger).

\`\`\`sh
npm run soak -- --minutes 30     # options: --clients 400 --rate 20 --gateways 2 --no-report
\`\`\`

Run of ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, **${minutes} minutes**: ${h.postStats.sent} posts (${h.postStats.failed} refused or failed),
${totals.delivered} of ${totals.expected} deliveries, lost ${totals.lost}, duplicated ${totals.duplicated},
out of order ${totals.outOfOrder}; ${crashes.length ? `crashes: ${crashes.join('; ')}` : 'no process restarted or crashed'}; health at the end:
${health.every((x) => x.ok) ? 'all 200' : JSON.stringify(health.filter((x) => !x.ok))}.

| process | RSS, MB (start → end) | RSS slope, MB/h | heap used, MB | heap slope, MB/h | loop lag p99, ms (median / max) |
|---|---|---|---|---|---|
${rows}

Delivery latency, first minute p50 ${ms(firstWindow.p50)}, p99 ${ms(firstWindow.p99)} (${firstWindow.n} deliveries);
last minute p50 ${ms(lastWindow.p50)}, p99 ${ms(lastWindow.p99)} (${lastWindow.n}).

**Verdict: ${verdict}.** The rule: every process's RSS slope (least squares over the samples after
the first two minutes) under ${rssLimit} MB/h, the last minute's p99 at most twice the first's
(or +50 ms), and a clean ledger. Slopes over a short run are noisy (GC cycles move RSS by a few MB):
read the chart.

![soak](benchmarks/soak.svg)

Data: [benchmarks/soak.json](benchmarks/soak.json) (every sample).
`,
    );
    log(`wrote the ## Soak section of ${RELIABILITY}`);
  }
  if (!clean) exitCode = 1;
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await h.close();
}
process.exit(exitCode);
