// The load tool's command line, with defaults for the full run on a 2-core machine.
import { parseArgs } from 'node:util';
import { SYSTEMS, type System } from './stack.ts';

export interface LoadOptions {
  users: number;
  clients: number;
  gateways: number;
  workers: number;
  rate: number;
  seconds: number;
  follows: number;
  celebrities: number;
  celebrityReach: number;
  celebrityShare: number;
  sseShare: number;
  haproxyShare: number;
  systems: System[];
  /** Times the side-by-side comparison runs, the systems' order rotating each round (see rounds.ts). */
  rounds: number;
  /** Gateway counts for the scaling run (empty: none); clients and rate are per gateway there. */
  scaling: number[];
  clientsPerProcess: number;
  connectConcurrency: number;
  graceSeconds: number;
  warmupSeconds: number;
  cpuProf: string[];
  /** Knee stepping: offered deliveries/s, rising, each for kneeSeconds after the measured run (empty: none). */
  knee: number[];
  kneeSeconds: number;
  /** KEY=VALUE settings for core, workers and gateways. */
  env: Record<string, string>;
  report: boolean;
  out: string;
  database: string;
  /** Re-render the report from a saved load.json instead of running. */
  fromJson?: string;
  /**
   * Private Redis per run instead of the shared one: each system runs once per entry (`single`: a
   * redis-server of its own; `cluster`: a six-node Redis Cluster of its own), side by side.
   */
  redis: ('single' | 'cluster')[];
}

export function parseOptions(argv: string[]): LoadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string', default: '10000' },
      clients: { type: 'string' },
      gateways: { type: 'string', default: '2' },
      workers: { type: 'string', default: '1' },
      rate: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '30' },
      follows: { type: 'string', default: '50' },
      celebrities: { type: 'string', default: '5' },
      'celebrity-reach': { type: 'string', default: '0.2' },
      'celebrity-share': { type: 'string', default: '0.01' },
      'sse-share': { type: 'string', default: '0.3' },
      'haproxy-share': { type: 'string', default: '0.2' },
      systems: { type: 'string', default: SYSTEMS.join(',') },
      rounds: { type: 'string', default: '1' },
      scaling: { type: 'string', default: '' },
      'clients-per-process': { type: 'string', default: '1250' },
      'connect-concurrency': { type: 'string', default: '10' },
      grace: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '5' },
      'cpu-prof': { type: 'string', default: '' },
      knee: { type: 'string', default: '' },
      'knee-seconds': { type: 'string', default: '10' },
      env: { type: 'string', multiple: true, default: [] },
      'no-report': { type: 'boolean', default: false },
      out: { type: 'string', default: 'docs/benchmarks' },
      database: { type: 'string', default: 'feed_bench_load' },
      'from-json': { type: 'string' },
      redis: { type: 'string', default: '' },
    },
  });
  const num = (k: keyof typeof values) => Number(values[k]);
  const users = num('users');
  const systems = String(values.systems)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as System[];
  for (const s of systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s}: one of ${SYSTEMS.join(', ')}`);
  const rounds = num('rounds');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds takes a whole number of at least 1, not ${String(values.rounds)}`);
  return {
    users,
    clients: values.clients ? Number(values.clients) : users,
    gateways: num('gateways'),
    workers: num('workers'),
    rate: num('rate'),
    seconds: num('seconds'),
    follows: num('follows'),
    celebrities: num('celebrities'),
    celebrityReach: num('celebrity-reach'),
    celebrityShare: num('celebrity-share'),
    sseShare: num('sse-share'),
    haproxyShare: num('haproxy-share'),
    systems,
    rounds,
    scaling: String(values.scaling).split(',').filter(Boolean).map(Number),
    clientsPerProcess: num('clients-per-process'),
    connectConcurrency: num('connect-concurrency'),
    graceSeconds: num('grace'),
    warmupSeconds: num('warmup'),
    cpuProf: String(values['cpu-prof']).split(',').filter(Boolean),
    knee: String(values.knee)
      .split(',')
      .filter(Boolean)
      .map(Number)
      .sort((a, b) => a - b),
    kneeSeconds: num('knee-seconds'),
    env: Object.fromEntries((values.env as string[]).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    report: !values['no-report'],
    out: String(values.out),
    database: String(values.database),
    fromJson: values['from-json'] as string | undefined,
    redis: String(values.redis)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        if (s !== 'single' && s !== 'cluster') throw new Error(`--redis takes single and/or cluster, not ${s}`);
        return s;
      }),
  };
}
