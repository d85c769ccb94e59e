// The whole stack for end-to-end tests: the test pipeline (core API + relay in-process, worker
// processes), gateway processes, and a real HAProxy in front, all on ports and names of their own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { startGateway, type Gateway } from '../../gateway/test/harness.ts';
import { renderConfig, haproxyEnv } from '../../haproxy/render.ts';
import { freePort, waitFor } from './ports.ts';

export interface Stack {
  pipeline: Pipeline;
  gateways: Gateway[];
  /** HAProxy's public entry. */
  url: string;
  wsUrl: string;
  statsUrl: string;
  /** HAProxy's runtime API socket (`echo "show stat" | socat - <socket>`). */
  socket: string;
  haproxy: ChildProcess;
  haproxyOutput(): string;
  /** Asks HAProxy's runtime API; returns its answer. */
  runtime(command: string): Promise<string>;
  /** HAProxy's view of a server: "UP", "DOWN", "MAINT", … */
  serverStatus(backend: string, server: string): Promise<string>;
  addGateway(overrides?: Record<string, string>): Promise<Gateway>;
  close(): Promise<void>;
}

export async function startStack(opts: { gateways?: number; env?: Record<string, string>; gatewayEnv?: Record<string, string>; maxGateways?: number } = {}): Promise<Stack> {
  const pipeline = await startPipeline(opts.env ?? {});
  await pipeline.startWorker();
  const gateways = await Promise.all(Array.from({ length: opts.gateways ?? 2 }, () => startGateway(pipeline, opts.gatewayEnv ?? {})));
  const dir = mkdtempSync(path.join(tmpdir(), 'feed-haproxy-'));
  const port = await freePort();
  const statsPort = await freePort();
  const socket = path.join(dir, 'haproxy.sock');
  const corePort = new URL(pipeline.url).port;
  // Spare server slots (disabled) let tests add gateways later through the runtime API.
  const maxGateways = opts.maxGateways ?? gateways.length + 2;
  const servers = Array.from({ length: maxGateways }, (_, i) => ({
    name: `gw${i + 1}`,
    address: gateways[i] ? `127.0.0.1:${gateways[i]!.port}` : '127.0.0.1:1',
  }));
  const config = renderConfig({ core: [{ name: 'core1', address: `127.0.0.1:${corePort}` }], gateways: servers }).replace(/^( {4}server gw(\d+) 127\.0\.0\.1:1 check)$/gm, '$1 disabled');
  const cfgPath = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfgPath, config);
  const haproxy = spawn('haproxy', ['-db', '-f', cfgPath], {
    env: { ...process.env, ...haproxyEnv({ bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}`, socket }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  haproxy.stdout!.on('data', (d) => (output += d));
  haproxy.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;

  const runtime = async (command: string): Promise<string> => {
    const { connect } = await import('node:net');
    return new Promise((resolve, reject) => {
      const conn = connect(socket);
      let answer = '';
      conn.on('data', (d) => (answer += d));
      conn.on('end', () => resolve(answer));
      conn.on('error', reject);
      conn.end(`${command}\n`);
    });
  };
  const serverStatus = async (backend: string, server: string) => {
    const csv = await runtime('show stat');
    const header = csv.split('\n')[0]!.replace(/^# /, '').split(',');
    const status = header.indexOf('status');
    const row = csv.split('\n').find((line) => line.startsWith(`${backend},${server},`));
    return row?.split(',')[status] ?? 'absent';
  };

  await waitFor('HAProxy to route to core', async () => (await fetch(`${url}/health`)).ok, 30_000, 100);
  await waitFor(
    'HAProxy to see the gateways up',
    async () => {
      for (let i = 0; i < gateways.length; i++) if ((await serverStatus('gateways', `gw${i + 1}`)) !== 'UP') return false;
      return true;
    },
    30_000,
    100,
  );

  const stack: Stack = {
    pipeline,
    gateways,
    url,
    wsUrl: `ws://127.0.0.1:${port}/post/feed/posted`,
    statsUrl: `http://127.0.0.1:${statsPort}/stats`,
    socket,
    haproxy,
    haproxyOutput: () => output,
    runtime,
    serverStatus,
    async addGateway(overrides = {}) {
      const slot = gateways.length + 1;
      if (slot > maxGateways) throw new Error('no spare HAProxy server slot');
      const gw = await startGateway(pipeline, { ...(opts.gatewayEnv ?? {}), ...overrides });
      gateways.push(gw);
      await runtime(`set server gateways/gw${slot} addr 127.0.0.1 port ${gw.port}`);
      await runtime(`enable server gateways/gw${slot}`);
      await waitFor(`HAProxy to see gw${slot} up`, async () => (await serverStatus('gateways', `gw${slot}`)) === 'UP', 30_000, 100);
      return gw;
    },
    async close() {
      await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
      if (haproxy.exitCode === null) {
        const exited = new Promise((r) => haproxy.once('exit', r));
        haproxy.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await pipeline.close();
    },
  };
  return stack;
}
