// A clock for pure tests of the client: time moves only when the test says so.
import type { Timers } from '../src/index.ts';

export class FakeClock implements Timers {
  private time = 1_000_000;
  private nextId = 1;
  private readonly tasks = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.tasks.size;
  }

  /** Moves time forward, running each timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.tasks.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.tasks.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }

  /** Runs every timer, including those the timers set, until none is left (bounded). */
  runAll(): void {
    for (let i = 0; i < 1000 && this.tasks.size > 0; i++) {
      const next = Math.min(...[...this.tasks.values()].map((t) => t.at));
      this.advance(next - this.time);
    }
  }
}
