// A private RabbitMQ node for fault tests: its own node name, ports and data directory, so a
// test can stop and restart "the broker" without touching the machine's shared one.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Socket } from 'node:net';
import { freePort, waitFor } from './ports.ts';

const run = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

export class RabbitNode {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RabbitNode> {
    const port = await freePort();
    const distPort = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'feed-rabbit-'));
    const name = `feedtest${port}@localhost`;
    writeFileSync(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users = none\n`);
    writeFileSync(path.join(dir, 'plugins'), '[].\n');
    spawnSync('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
    const node = new RabbitNode(name, port, dir);
    await run('rabbitmq-server', ['-detached'], { env: node.env(distPort) });
    await waitFor(`RabbitMQ node ${name}`, () => portOpen(port), 90_000, 200);
    return node;
  }

  private env(distPort: number): NodeJS.ProcessEnv {
    return {
      ...process.env,
      RABBITMQ_NODENAME: this.name,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_PID_FILE: path.join(this.dir, 'pid'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'plugins'),
    };
  }

  /** Stops the broker application (connections drop, the port closes); the node stays up. */
  async stopApp(): Promise<void> {
    await run('rabbitmqctl', ['-n', this.name, 'stop_app']);
    await waitFor('the broker port to close', async () => !(await portOpen(this.port)), 30_000, 100);
  }

  async startApp(): Promise<void> {
    await run('rabbitmqctl', ['-n', this.name, 'start_app']);
    await waitFor('the broker port to open', () => portOpen(this.port), 60_000, 100);
  }

  async stop(): Promise<void> {
    const pidFile = path.join(this.dir, 'pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
    await run('rabbitmqctl', ['-n', this.name, 'stop']).catch(() => {});
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
