// The benchmarks' one stack composition: core (REST + outbox relay), the fan-out worker(s), the
// edge nodes and HAProxy in front, as processes of a test/support/launcher.ts Launcher, started
// in the order the product needs (core migrates and relays before a worker consumes; HAProxy
// once every node answers). The chaos stack (bench/chaos/stack.ts) and the load tool's
// (bench/load/stack.ts) wrap it with what differs: private Redis and RabbitMQ and faults for
// the one, alternative systems and profiling for the other.
import type { Haproxy, Launcher, RoleOptions, StackProcess } from '../test/support/launcher.ts';

/** Every benchmark process's environment: production mode, quiet logs, a migrated schema, no post budget in the way. */
export const BENCH_PROCESS_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  NO_COLOR: '1',
  MIGRATE_ON_START: 'false',
  POST_BURST: '100000000',
};

/** One process to start: its name in the launcher, and how it differs from its role's default. */
export interface ProcessPlan extends RoleOptions {
  name: string;
}

export interface PipelinePlan {
  core: ProcessPlan;
  workers: readonly ProcessPlan[];
  edges: readonly ProcessPlan[];
  /** HAProxy in front of core and the edge nodes. */
  haproxy: boolean;
}

export interface PipelineProcesses {
  core: StackProcess;
  workers: StackProcess[];
  edges: StackProcess[];
  haproxy: Haproxy | undefined;
}

/** Starts the plan's processes, waits until each answers /health, then HAProxy if asked for. */
export async function startPipelineProcesses(launcher: Launcher, plan: PipelinePlan): Promise<PipelineProcesses> {
  const core = await launcher.start(plan.core.name, 'core', plan.core);
  const workers: StackProcess[] = [];
  for (const worker of plan.workers) workers.push(await launcher.start(worker.name, 'worker', worker));
  const edges: StackProcess[] = [];
  for (const edge of plan.edges) edges.push(await launcher.start(edge.name, 'gateway', edge));
  await Promise.all([core, ...workers, ...edges].map((p) => p.waitHealthy()));
  const haproxy = plan.haproxy ? await launcher.startHaproxy({ core: [{ name: 'core1', address: `127.0.0.1:${core.port}` }], gateways: edges.map((e) => ({ name: e.name, address: `127.0.0.1:${e.port}` })) }) : undefined;
  return { core, workers, edges, haproxy };
}
