// Frames bound for one client within one turn of the event loop leave in one write. A socket
// is corked at its first frame of the turn and uncorked once the I/O that is ready now has been
// handled (setImmediate runs after the poll phase), so a client that receives several events
// in a burst (a backlog, a celebrity post beside a friend's) costs one system call rather than
// one per frame; a lone frame leaves at the end of the same turn, so nothing waits for a timer.
// Measured with bench:gateway (docs/benchmarks.md, "Frames per second").
import { setImmediate } from 'node:timers';

/** What can be held: a socket, or an HTTP response (which corks its socket). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export class WriteCoalescer {
  private held = new Set<Corkable>();
  private scheduled = false;

  /** Call before writing to `stream`: it stays corked until the end of this turn. */
  hold(stream: Corkable): void {
    if (this.held.has(stream)) return;
    stream.cork();
    this.held.add(stream);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.release);
    }
  }

  private readonly release = (): void => {
    this.scheduled = false;
    const held = this.held;
    this.held = new Set();
    for (const stream of held) stream.uncork();
  };
}
