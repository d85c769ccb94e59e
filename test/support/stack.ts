// The whole stack for end-to-end tests: the test pipeline (core API + relay in-process, worker
// processes), gateway processes, and a real HAProxy in front, all on ports and names of their own.
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { startGateway, type Gateway } from '../../gateway/test/harness.ts';
import { Launcher, type Haproxy } from './launcher.ts';

export interface Stack {
  pipeline: Pipeline;
  gateways: Gateway[];
  haproxy: Haproxy;
  /** HAProxy's public entry. */
  url: string;
  wsUrl: string;
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
  const launcher = new Launcher();
  // Spare server slots (disabled) let tests add gateways later through the runtime API.
  const maxGateways = opts.maxGateways ?? gateways.length + 2;
  const haproxy = await launcher.startHaproxy({
    core: [{ name: 'core1', address: `127.0.0.1:${new URL(pipeline.url).port}` }],
    gateways: Array.from({ length: maxGateways }, (_, i) => ({ name: `gw${i + 1}`, address: gateways[i] ? `127.0.0.1:${gateways[i].port}` : '127.0.0.1:1', disabled: !gateways[i] })),
  });
  return {
    pipeline,
    gateways,
    haproxy,
    url: haproxy.url,
    wsUrl: `ws://127.0.0.1:${haproxy.process.port}/post/feed/posted`,
    runtime: (command) => haproxy.runtime(command),
    serverStatus: (backend, server) => haproxy.serverStatus(backend, server),
    async addGateway(overrides = {}) {
      const slot = gateways.length + 1;
      if (slot > maxGateways) throw new Error('no spare HAProxy server slot');
      const gw = await startGateway(pipeline, { ...opts.gatewayEnv, ...overrides });
      gateways.push(gw);
      await haproxy.enableServer('gateways', `gw${slot}`, gw.port);
      return gw;
    },
    async close() {
      await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
      await launcher.close();
      await pipeline.close();
    },
  };
}
