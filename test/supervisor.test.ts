// npm start's supervisor: the backoff rule, and a real process restarted and stopped.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, Supervisor, describeExit, formatDelay, restartDelay } from '../scripts/supervisor.ts';
import { waitFor } from './support/ports.ts';

describe('restartDelay', () => {
  it('starts at 0.1 s and doubles while the process keeps dying quickly, up to 30 s', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 12; i++) {
      previous = restartDelay(previous, 50);
      delays.push(previous);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
  });

  it('starts over once the process stayed up for the reset period', () => {
    expect(restartDelay(25_600, DEFAULT_BACKOFF.resetAfterMs - 1)).toBe(30_000);
    expect(restartDelay(25_600, DEFAULT_BACKOFF.resetAfterMs)).toBe(100);
  });

  it('follows a policy of its own', () => {
    const policy = { initialMs: 1_000, maxMs: 3_000, resetAfterMs: 60_000 };
    expect([restartDelay(undefined, 0, policy), restartDelay(1_000, 0, policy), restartDelay(2_000, 0, policy)]).toEqual([1_000, 2_000, 3_000]);
  });

  it('reads as the log prints it', () => {
    expect([100, 1600, 30_000].map(formatDelay)).toEqual(['0.1 s', '1.6 s', '30 s']);
    expect(describeExit(null, 'SIGKILL')).toBe('signal SIGKILL');
    expect(describeExit(1, null)).toBe('code 1');
  });
});

describe('Supervisor', () => {
  it('restarts a process that dies, logs it, and stop() leaves no process', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor((line) => lines.push(line), { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 });
    // Prints a line, then waits to be killed.
    const proc = supervisor.add({
      name: 'sleeper',
      command: process.execPath,
      args: ['-e', 'console.log("up " + process.pid); setInterval(() => {}, 1000)'],
      env: process.env,
      cwd: process.cwd(),
    });
    await waitFor('the first run', async () => lines.some((l) => l.startsWith('[sleeper] up ')));
    const first = proc.child!.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor('a second run', async () => proc.child?.pid !== undefined && proc.child.pid !== first && lines.filter((l) => l.startsWith('[sleeper] up ')).length === 2);
    expect(lines).toContain('[sleeper] exited (signal SIGKILL); restarting in 0.1 s');
    expect(proc.restarts).toBe(1);

    const second = proc.child!.pid!;
    await supervisor.stop();
    expect(proc.child).toBeUndefined();
    expect(() => process.kill(second, 0)).toThrow(); // gone
    expect(lines.filter((l) => l.includes('exited'))).toHaveLength(1); // stopping is no crash
  });
});
