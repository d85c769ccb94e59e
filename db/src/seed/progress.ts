// One progress bar per seeding phase, on stderr; silent when disabled (tests) or not a TTY.
import cliProgress from 'cli-progress';

export interface Phase {
  /** Advance to `value` of `total` and show `rows` written so far. */
  update(value: number, rows: number): void;
  stop(): void;
}

export function startPhase(name: string, total: number, enabled: boolean): Phase {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${name.padEnd(8)} [{bar}] {percentage}% | {value}/{total} users | {rows} rows | {duration}s, eta {eta}s`,
      stream: process.stderr,
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rows: 0 });
  return {
    update: (value, rows) => bar.update(value, { rows }),
    stop: () => bar.stop(),
  };
}

/** For phases that are one SQL statement: a line when it starts and its duration when done. */
export async function timed<T>(name: string, enabled: boolean, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  if (enabled) process.stderr.write(`${name.padEnd(8)} ...`);
  const result = await work();
  if (enabled) process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  return result;
}
