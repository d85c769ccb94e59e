// `npm run bench:load -- --systems ours --redis single,cluster --rate 3000`: the end-to-end
// figures of our system on a redis-server of its own and on a Redis Cluster of its own, side by
// side in one run; writes `## Redis Cluster: end to end` of docs/benchmarks.md.
import { writeSection } from '../report.ts';
import type { LoadResult } from './load.ts';

export async function writeRedisReport(result: LoadResult, command: string): Promise<string> {
  const runs = result.comparison.filter((r) => r.redis);
  const base = runs[0]!;
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const ratio = (a: number, b: number, i: number) => (i === 0 || !b ? '' : ` (${f(a / b, 2)}×)`);
  const redisUs = (r: (typeof runs)[number]) =>
    r.redis!.servers.map((s) => {
      const p = r.processes.find((x) => x.pid === s.pid);
      return { ...s, us: ((p?.cpuSeconds ?? NaN) * 1e6) / Math.max(1, r.ledger.delivered) };
    });
  const total = (r: (typeof runs)[number]) => redisUs(r).reduce((a, s) => a + s.us, 0);
  const rows = runs.map((r, i) => {
    const l = r.ledger;
    const nodes = redisUs(r)
      .sort((a, b) => (a.role === b.role ? a.port - b.port : a.role === 'master' ? -1 : 1))
      .map((s) => `${s.role === 'master' ? 'M' : 'R'}:${s.port} ${f(s.us)}`)
      .join(', ');
    const ok = l.lost === 0 && l.duplicated === 0 && l.outOfOrder === 0 && l.unexpected === 0 ? '✓' : '✗';
    return `| ${r.redis!.mode === 'single' ? 'one redis-server' : 'cluster: 3 masters + 3 replicas'} | ${Math.round(l.deliveriesPerSecond).toLocaleString('en-US')} of ${r.target.deliveriesPerSecond.toLocaleString('en-US')}${l.deliveriesPerSecond < 0.9 * r.target.deliveriesPerSecond ? ' (fell behind)' : ''} | ${f(l.latencyMs.p50)} / ${f(l.latencyMs.p99)}${ratio(l.latencyMs.p99, base.ledger.latencyMs.p99, i)} / ${f(l.latencyMs.max, 0)} | ${nodes} | ${f(total(r))}${ratio(total(r), total(base), i)} | ${f(r.cpuMsPerDelivery * 1000)}${ratio(r.cpuMsPerDelivery, base.cpuMsPerDelivery, i)} | ${ok} ${l.lost} / ${l.duplicated} / ${l.outOfOrder} |`;
  });
  const m = result.machine;
  const o = result.options;
  const section = `## Redis Cluster: end to end

Our system (core, ${o.workers} fan-out worker(s), ${o.gateways} gateways, ${o.clients.toLocaleString('en-US')} clients holding a stream each) at
${o.rate.toLocaleString('en-US')} deliveries/s, once on a redis-server of its own and once on a six-node Redis Cluster of its own
(three masters, one replica each; \`REDIS_CLUSTER_NODES\` set for every process), one after the
other in one run on the same people and posts. Latency is from the POST to the client's
receipt, per delivery (the ledger, \`bench/ledger.ts\`). Redis CPU per delivery: each
redis-server's CPU time (\`/proc/<pid>/stat\`) over the measured window, divided by the deliveries
(M: master, R: replica). System CPU: core, worker(s), gateways and HAProxy, per delivery.

\`\`\`sh
${command}
\`\`\`

Machine: ${m.cpus} cores, ${m.memGiB} GiB, ${m.cpuModel}, Node ${m.node}; run of ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, with other
work on the machine. ${o.seconds} s measured after ${o.warmupSeconds} s of warm-up; ratios against one redis-server.

| Redis | deliveries/s | latency p50 / p99 / max ms | Redis CPU µs per delivery, per node | Redis CPU µs per delivery, all | system CPU µs per delivery | lost / dup / out of order |
|---|---:|---|---|---:|---:|---|
${rows.join('\n')}

"Fell behind": the deliveries per second (first send to last receipt) stayed under 90 % of the
target, so a backlog grew in the fan-out queue and that run's latency is mostly time queued.
On this 2-core machine, shared with other work, six redis-servers compete with the stack for the
same two cores; a fan-out to a post's followers waits for every master it touches, and splits into
one script call per slot instead of one per 100 recipients (see "Redis Cluster: fan-out writes").
`;
  process.stdout.write(section);
  await writeSection('Redis Cluster: end to end', section);
  return section;
}
