// Keeps `npm start`'s processes running the way compose's `restart: unless-stopped` does: a
// process that exits is started again after a delay that doubles while it keeps failing, and
// every exit and restart is logged under the process's name. stop() (Ctrl-C) ends them all.
import { spawn, type ChildProcess } from 'node:child_process';

export interface BackoffPolicy {
  /** Delay before the first restart. */
  initialMs: number;
  /** The delay doubles per quick failure, up to this. */
  maxMs: number;
  /** A process that stayed up this long counts as healthy again: the next delay is initialMs. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 30_000, resetAfterMs: 10_000 };

/**
 * The delay before the next restart, given the delay used before the last one (undefined: never
 * restarted) and how long the process then stayed up.
 */
export function restartDelay(previousMs: number | undefined, uptimeMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (previousMs === undefined || uptimeMs >= policy.resetAfterMs) return policy.initialMs;
  return Math.min(policy.maxMs, previousMs * 2);
}

/** "0.1 s", "1.6 s", "30 s": how restart delays read in the log. */
export function formatDelay(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** How an exit reads in the log: "(code 1)" or "(signal SIGKILL)". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

export interface ProcessSpec {
  /** Prefix of every line this process prints, and its name in the log. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Supervised {
  readonly name: string;
  /** The running process (a new one after each restart), or undefined between two runs. */
  readonly child: ChildProcess | undefined;
  readonly restarts: number;
}

class Entry implements Supervised {
  child: ChildProcess | undefined;
  restarts = 0;
  lastDelayMs: number | undefined;
  startedAt = 0;
  timer: NodeJS.Timeout | undefined;
  constructor(readonly spec: ProcessSpec) {}
  get name() {
    return this.spec.name;
  }
}

export class Supervisor {
  private readonly entries: Entry[] = [];
  private stopping = false;

  constructor(
    private readonly log: (line: string) => void = (line) => console.log(line),
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
  ) {
    // The processes have groups of their own, so nothing else ends them: should the supervisor
    // itself exit without stop() (a crash), it takes them along.
    process.once('exit', () => {
      for (const entry of this.entries) if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGKILL');
    });
  }

  /** Starts a process and keeps it running until stop(). */
  add(spec: ProcessSpec): Supervised {
    const entry = new Entry(spec);
    this.entries.push(entry);
    this.run(entry);
    return entry;
  }

  get processes(): readonly Supervised[] {
    return this.entries;
  }

  private run(entry: Entry): void {
    const { name, command, args, env, cwd } = entry.spec;
    entry.timer = undefined;
    entry.startedAt = Date.now();
    // A process group of its own: Ctrl-C in the terminal reaches only the supervisor, which then
    // sends each process one SIGTERM (its clean shutdown), rather than each getting the
    // terminal's SIGINT and then SIGTERM, which they take as "exit now".
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    entry.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) this.log(`[${name}] ${line}`);
      });
    }
    child.on('error', (err) => this.log(`[${name}] could not start: ${err.message}`));
    child.on('close', (code, signal) => {
      entry.child = undefined;
      if (this.stopping) return;
      const delay = restartDelay(entry.lastDelayMs, Date.now() - entry.startedAt, this.policy);
      entry.lastDelayMs = delay;
      this.log(`[${name}] exited (${describeExit(code, signal)}); restarting in ${formatDelay(delay)}`);
      entry.timer = setTimeout(() => {
        entry.restarts++;
        this.run(entry);
        this.log(`[${name}] restarted (pid ${entry.child?.pid ?? 'none'}, restart ${entry.restarts})`);
      }, delay);
    });
  }

  /**
   * Stops every process: SIGTERM (each drains as it would under compose), then SIGKILL for any
   * still running after graceMs. Resolves when none is left.
   */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const running: Promise<unknown>[] = [];
    for (const entry of this.entries) {
      clearTimeout(entry.timer);
      const child = entry.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      running.push(new Promise((resolve) => child.once('close', resolve)));
      child.kill('SIGTERM');
    }
    const force = setTimeout(() => {
      for (const entry of this.entries) {
        if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) {
          this.log(`[${entry.name}] still running ${formatDelay(graceMs)} after SIGTERM: SIGKILL`);
          entry.child.kill('SIGKILL');
        }
      }
    }, graceMs);
    await Promise.all(running);
    clearTimeout(force);
  }
}
