// Frames bound for one client within one turn of the event loop leave in one write. A socket
// is corked at its first frame of the turn and uncorked once the I/O that is ready now has been
// handled (setImmediate runs after the poll phase), so a client that receives several events
// in a burst (a backlog, a celebrity post beside a friend's) costs one system call rather than
// one per frame; a lone frame leaves at the end of the same turn, so nothing waits for a timer.
// Measured with bench:gateway (docs/benchmarks.md, "Frames per second").
import { setImmediate } from 'node:timers';

/**
 * Sockets uncorked per turn. A celebrity post is a frame to a thousand sockets in one turn, and
 * uncorking them all at once is a thousand system calls in a row (gateway profiles: the longest
 * stall of a run); in slices, the loop polls I/O between them and the next event goes on.
 */
const RELEASE_SLICE = 256;

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
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.release);
  }

  /** The oldest held streams first; the rest in the next turn, after its I/O. */
  private readonly release = (): void => {
    this.scheduled = false;
    let released = 0;
    for (const stream of this.held) {
      this.held.delete(stream);
      stream.uncork();
      if (++released === RELEASE_SLICE) break;
    }
    if (this.held.size > 0) this.schedule();
  };
}
