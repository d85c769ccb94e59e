// How to run a gateway process, on Node or on Deno: one place for `npm start`
// (scripts/stack.ts) and the tests' harness (gateway/test/harness.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Runtime = 'node' | 'deno';
export const RUNTIMES: readonly Runtime[] = ['node', 'deno'];

/** The runtime this process runs on: what a gateway reports on /health and /metrics. */
export const currentRuntime = (): Runtime => ('Deno' in globalThis ? 'deno' : 'node');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Deno binary itself (not npm's wrapper, which would not pass signals on). */
export function denoBinary(root = ROOT): string {
  const direct = path.join(root, 'node_modules', 'deno', 'deno');
  if (existsSync(direct)) return direct;
  return path.join(root, 'node_modules', '@deno', 'linux-x64-glibc', 'deno');
}

/**
 * What Deno may do: the gateway listens and connects (net), reads its settings (env) and the
 * modules (read), and prom-client reads process figures (sys).
 */
export const DENO_PERMISSIONS = ['--no-prompt', '--allow-net', '--allow-env', '--allow-sys', '--allow-read'] as const;

/**
 * V8's heap on Deno grows by 30% at a time rather than by its own dynamic factor. With V8's
 * defaults an idle connection held 19 KB of a Deno gateway's RSS (16 KB over SSE), most of it
 * heap headroom and garbage between collections; with this, 10–11 KB (`npm run bench:gateway --
 * --steps 1,2 --runtimes deno`, with and without it), for 8% more CPU per WebSocket frame and
 * none measurable per SSE frame (docs/scaling.md). Node's gateway holds under 12 KB per
 * connection with V8's defaults, and pays more CPU per frame for any such setting.
 */
export const DENO_HEAP_FLAGS = ['--heap-growing-percent=30'] as const;

/** The gateway's entry point, from the repository root. */
export const GATEWAY_ENTRY = 'gateway/src/main.ts';

/**
 * The command that starts one gateway, run from the repository root. On Node it is node with
 * tsx's loader (not the tsx CLI, which runs the script in a second process that a kill -9 of
 * the first would orphan), with `nodeArgs` before the script; a benchmark may run another
 * edge node's `script` the same way.
 */
export function gatewayCommand(runtime: Runtime, nodeArgs: readonly string[] = [], script = GATEWAY_ENTRY): { command: string; args: string[] } {
  if (runtime === 'deno') {
    if (nodeArgs.length > 0 || script !== GATEWAY_ENTRY) throw new Error("only the gateway's own entry point runs on Deno, without Node options");
    return { command: denoBinary(), args: ['run', `--v8-flags=${DENO_HEAP_FLAGS.join(',')}`, ...DENO_PERMISSIONS, GATEWAY_ENTRY] };
  }
  return { command: process.execPath, args: ['--import', 'tsx', ...nodeArgs, script] };
}
