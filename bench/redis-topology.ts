// `npm run bench:fanout -- --redis single,cluster [--recipients 1000 --posts 300 --rounds 3]`
//
// The fan-out worker's writes (`Fanout.deliver`, as the worker runs it) on one redis-server
// and on a six-node Redis Cluster (three masters, one replica each), side by side in one run:
// both are private (free ports, no persistence), both up for the whole run, rounds alternating
// which goes first. On the cluster a batch is split by slot (one script call per slot, mostly
// one recipient) and by master (one pipeline each), and each master's pipeline ends with WAIT
// for its replica. Per mode: deliveries (recipient writes) per second, Redis CPU per delivery
// of each redis-server (`INFO cpu` of each node: masters and replicas), and this process's CPU
// per delivery (what the worker pays to encode and parse the calls).
import os from 'node:os';
import { Redis } from 'ioredis';
import { connectRedis, createCache, type Cache, type RedisClient } from '@feed/cache';
import { startPrivateRedis, type PrivateRedis } from '../test/support/redis-cluster.ts';
import { FANOUT_PAYLOAD, prepareRecipients, redisCpuSeconds } from './fanout-fixture.ts';
import { writeSection } from './report.ts';
import { median } from './stats.ts';

type Mode = 'single' | 'cluster';

interface Server {
  port: number;
  role: 'master' | 'replica';
  conn: Redis;
}

interface Target {
  mode: Mode;
  redis: PrivateRedis;
  client: RedisClient;
  cache: Cache;
  servers: Server[];
}

interface Sample {
  deliveriesPerSecond: number;
  /** Redis CPU µs per delivery, per server (same order as Target.servers). */
  serverUs: number[];
  clientUs: number;
}

const PREFIX = 'bench:topology:';

async function open(mode: Mode): Promise<Target> {
  const redis = await startPrivateRedis(mode);
  const client = connectRedis({ url: redis.env.REDIS_URL, clusterNodes: redis.env.REDIS_CLUSTER_NODES }, () => {});
  const cache = createCache(client, { prefix: PREFIX });
  const servers = (await redis.servers()).sort((a, b) => (a.role === b.role ? a.port - b.port : a.role === 'master' ? -1 : 1)).map((s) => ({ port: s.port, role: s.role, conn: new Redis({ host: '127.0.0.1', port: s.port }) }));
  return { mode, redis, client, cache, servers };
}

let nextPost = 1;

async function measure(t: Target, userIds: string[], posts: number): Promise<Sample> {
  const cpu0 = await Promise.all(t.servers.map((s) => redisCpuSeconds(s.conn)));
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  let delivered = 0;
  for (let p = 0; p < posts; p++) {
    const postId = String(nextPost++);
    const deliveries = await t.cache.fanout.deliver(userIds, { feed: 'add', postId, eventKey: `created:${postId}`, payload: FANOUT_PAYLOAD, cancelledBy: `deleted:${postId}` });
    delivered += deliveries.filter((d) => d.entry).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const cpu1 = await Promise.all(t.servers.map((s) => redisCpuSeconds(s.conn)));
  if (delivered !== userIds.length * posts) throw new Error(`✗ ${t.mode}: ${delivered} of ${userIds.length * posts} deliveries written`);
  return {
    deliveriesPerSecond: delivered / seconds,
    serverUs: cpu1.map((c, i) => ((c - cpu0[i]!) * 1e6) / delivered),
    clientUs: (client.user + client.system) / delivered,
  };
}

export async function runTopologies(o: { modes: Mode[]; recipients: number; posts: number; rounds: number; docs: boolean; log: (m: string) => void }): Promise<boolean> {
  const targets: Target[] = [];
  try {
    for (const mode of o.modes) targets.push(await open(mode));
    const userIds = Array.from({ length: o.recipients }, (_, i) => String(2_000_000 + i));
    for (const t of targets) {
      o.log(`${t.mode}: ${t.servers.length} redis-server(s); preparing ${o.recipients} online recipients`);
      await prepareRecipients(t.cache, userIds);
      await measure(t, userIds.slice(0, 50), 20); // warm-up: scripts loaded on every node, JIT warm
    }
    const samples: Sample[][] = targets.map(() => []);
    for (let r = 1; r <= o.rounds; r++) {
      for (let j = 0; j < targets.length; j++) {
        const i = (r + j) % targets.length;
        samples[i]!.push(await measure(targets[i]!, userIds, o.posts));
      }
      o.log(`round ${r}/${o.rounds}: ${targets.map((t, i) => `${t.mode} ${Math.round(samples[i]!.at(-1)!.deliveriesPerSecond)} deliveries/s`).join(', ')}`);
    }
    const picked = samples.map((xs) => ({
      deliveriesPerSecond: median(xs.map((x) => x.deliveriesPerSecond)),
      serverUs: xs[0]!.serverUs.map((_, s) => median(xs.map((x) => x.serverUs[s]!))),
      clientUs: median(xs.map((x) => x.clientUs)),
    }));
    const section = report(o, targets, picked);
    process.stdout.write(section);
    if (o.docs) await writeSection('Redis Cluster: fan-out writes', section);
    return true;
  } finally {
    for (const t of targets) {
      t.client.disconnect();
      for (const s of t.servers) s.conn.disconnect();
      await t.redis.stop();
    }
  }
}

function report(o: { modes: Mode[]; recipients: number; posts: number; rounds: number }, targets: Target[], picked: Sample[]): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const base = picked[0]!;
  const rows = targets.map((t, i) => {
    const s = picked[i]!;
    const masters = t.servers.map((srv, k) => ({ srv, us: s.serverUs[k]! })).filter((x) => x.srv.role === 'master');
    const replicas = t.servers.map((srv, k) => ({ srv, us: s.serverUs[k]! })).filter((x) => x.srv.role === 'replica');
    const sum = (xs: { us: number }[]) => xs.reduce((a, x) => a + x.us, 0);
    const perNode = (xs: { srv: Server; us: number }[]) => xs.map((x) => `:${x.srv.port} ${f(x.us)}`).join(', ');
    const ratio = (a: number, b: number) => (i === 0 ? '' : ` (${f(a / b, 2)}×)`);
    return `| ${t.mode === 'single' ? 'one redis-server' : `cluster: ${masters.length} masters + ${replicas.length} replicas`} | ${Math.round(s.deliveriesPerSecond).toLocaleString('en-US')}${ratio(s.deliveriesPerSecond, base.deliveriesPerSecond)} | ${perNode(masters)} | ${replicas.length ? perNode(replicas) : '—'} | ${f(sum(masters) + sum(replicas))}${ratio(sum(masters) + sum(replicas), sum(picked[0]!.serverUs.map((us) => ({ us }))))} | ${f(s.clientUs)}${ratio(s.clientUs, base.clientUs)} |`;
  });
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  return `## Redis Cluster: fan-out writes

The fan-out worker's Redis writes (\`Fanout.deliver\`: feed, event log and presence of each
recipient, every recipient online) on one redis-server and on a Redis Cluster of three masters
with one replica each, both private and up for the whole run, rounds alternating which goes
first. On the cluster a batch of recipients is split by slot (a script may only touch one slot's
keys: with 1,000 recipients over 16,384 slots that is about one recipient per call) and by master
(one pipeline each, run side by side), and each master's pipeline ends with \`WAIT 1\` for its
replica. "Redis CPU per delivery" is each redis-server's \`used_cpu_sys + used_cpu_user\` (\`INFO
cpu\`) over the window, divided by the deliveries.

\`\`\`sh
npm run bench:fanout -- --redis ${o.modes.join(',')} --recipients ${o.recipients} --posts ${o.posts} --rounds ${o.rounds}
\`\`\`

Machine: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.cpus()[0]?.model.trim()}; Node ${process.version};
${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load} at the end (other work shares the machine).
Medians of ${o.rounds} rounds of ${o.posts} posts × ${o.recipients} recipients; ratios against one redis-server.

| Redis | deliveries/s | Redis CPU µs per delivery, masters | replicas | Redis CPU µs per delivery, all nodes | worker CPU µs per delivery |
|---|---:|---|---|---:|---:|
${rows.join('\n')}

On this 2-core machine the three masters, their replicas and the worker share two cores, so
the cluster cannot be faster here: what it shows is the cost of the split (more, smaller script
calls: the per-call overhead that batching 100 recipients per call removed on one node comes
back) and of replication (the replicas apply every write again). Each master carries about a
third of the writes, which is what lets a cluster grow past one node's core on machines that
have the cores.
`;
}
