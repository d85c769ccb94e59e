// A three-node RabbitMQ cluster for tests, started by scripts/rabbit-cluster.sh (the same
// script `npm run rabbit:cluster` runs) with node names, ports and a data directory of its
// own, so it never meets the shared broker on 5672 or a developer's cluster on 5681-5683.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/rabbit-cluster.sh', import.meta.url));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first port such that `first .. first+count-1` are all free right now. */
async function freeRun(from: number, to: number, count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const first = from + Math.floor(Math.random() * (to - from - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(first + i)));
    if (free.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports in ${from}-${to}`);
}

/** The node of an Erlang pid as rabbitmqctl prints it: <node@host.x.y.z>. */
const nodeOf = (pid: string) => /^<([^.>]+@[^.>]+)\./.exec(pid.trim())?.[1] ?? pid;

export interface QueueInfo {
  name: string;
  type: string;
  /** The node that hosts a classic queue, or a quorum queue's leader. */
  node: string;
}

export class RabbitCluster {
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** Erlang node names, node 1 first. */
    readonly nodes: string[],
    /** One AMQP URL per node, in the same order. */
    readonly urls: string[],
  ) {}

  /** Starts the nodes and joins them; on failure, whatever did start is stopped again. */
  static async start(size = 3): Promise<RabbitCluster> {
    const port = await freeRun(20_000, 29_000, size);
    const distPort = await freeRun(40_000, 49_000, size);
    const name = `feedtc${port}-rmq`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RABBIT_CLUSTER_DIR: mkdtempSync(path.join(tmpdir(), 'feed-rabbit-cluster-')),
      RABBIT_CLUSTER_NAME: name,
      RABBIT_CLUSTER_PORT: String(port),
      RABBIT_CLUSTER_DIST_PORT: String(distPort),
      RABBIT_CLUSTER_SIZE: String(size),
    };
    const nodes = Array.from({ length: size }, (_, i) => `${name}${i + 1}@localhost`);
    const urls = Array.from({ length: size }, (_, i) => `amqp://guest:guest@127.0.0.1:${port + i}`);
    const cluster = new RabbitCluster(env, nodes, urls);
    try {
      const { stdout } = await run('bash', [SCRIPT, 'start'], { env, timeout: 180_000 });
      if (stdout.trim() !== urls.join(',')) throw new Error(`unexpected URLs from the script: ${stdout}`);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The URLs as AMQP_URL, starting with node `first` (1-based) and wrapping round. */
  amqpUrl(first = 1): string {
    const i = first - 1;
    return [...this.urls.slice(i), ...this.urls.slice(0, i)].join(',');
  }

  async ctl(node: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['-q', '-n', node, ...args], { env: this.env, timeout: 60_000 });
    return stdout;
  }

  /** Stops the broker application on a node: its connections drop, its port closes, its VM stays. */
  async stopApp(index: number): Promise<void> {
    await this.ctl(this.nodes[index - 1]!, 'stop_app');
  }

  async runningNodes(via = 1): Promise<string[]> {
    return JSON.parse(await this.ctl(this.nodes[via - 1]!, 'cluster_status', '--formatter', 'json')).running_nodes;
  }

  /** Where each queue lives, asked through node `via`. */
  async queues(via = 1): Promise<QueueInfo[]> {
    // Tab-separated rows (the JSON formatter hides the node in pids): name, type, pid, leader,
    // where a pid looks like <feed-rmq2@localhost.1795414920.1826.0>.
    const out = await this.ctl(this.nodes[via - 1]!, '-s', 'list_queues', 'name', 'type', 'pid', 'leader');
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', type = '', pid = '', leader = ''] = line.split('\t');
        return { name, type, node: leader || nodeOf(pid) };
      });
  }

  /** Client connections per node, asked through node `via`. */
  async connectionsPerNode(via = 1): Promise<Record<string, number>> {
    const out = await this.ctl(this.nodes[via - 1]!, '-s', 'list_connections', 'pid');
    const counts: Record<string, number> = {};
    for (const pid of out.split('\n').filter(Boolean)) counts[nodeOf(pid)] = (counts[nodeOf(pid)] ?? 0) + 1;
    return counts;
  }

  /** Stops every node and deletes the data directory (safe to call more than once). */
  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop'], { env: this.env, timeout: 120_000 }).catch(() => {});
  }
}
