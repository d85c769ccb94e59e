// How to run core's two processes, the REST API (with the outbox relay) and the fan-out worker:
// one place for `npm start` (scripts/stack.ts) and the launcher of the tests and benchmarks
// (test/support/launcher.ts), as gateway/src/launch.ts is for the gateway. Node with tsx's
// loader, not the tsx CLI: one process per service, so a kill -9 of it leaves no orphan behind
// and a supervisor sees the exit.

export type CoreRole = 'core' | 'worker';

/** Each process's entry point, from the repository root. */
export const CORE_ENTRY: Record<CoreRole, string> = { core: 'core/src/main.ts', worker: 'core/src/worker.ts' };

/** The command that starts `script` (by default the role's own entry), with Node options before it. */
export function coreCommand(role: CoreRole, nodeArgs: readonly string[] = [], script = CORE_ENTRY[role]): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', ...nodeArgs, script] };
}
