// Visits every member of a live set once per period, a slice per tick, so that a chore done for
// each connection (a WebSocket ping, an SSE heartbeat) never runs for all of them in one turn of
// the event loop. Pinging 5,000 sockets at once blocked a gateway for up to 424 ms, and every
// event arriving meanwhile waited (bench:load, the gateways' event-loop delay).
export class Staggered<T> {
  private cursor: Iterator<T> | undefined;
  /** Visits owed: grows by size × tick / period each tick, so a round takes one period at any size. */
  private credit = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;

  constructor(
    private readonly members: Set<T>,
    private readonly periodMs: number,
    private readonly visit: (member: T) => void,
    tickMs = 100,
  ) {
    this.tickMs = Math.min(tickMs, periodMs);
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One slice: the visits owed by now, so the whole set takes about one period whatever its size
   * (one connection is visited once a period, not every tick). Members added during a round are
   * visited in it (a Set's iterator sees them) or in the next; removed ones are skipped.
   */
  tick(): void {
    const size = this.members.size;
    this.credit = Math.min(size, this.credit + (size * this.tickMs) / this.periodMs);
    while (this.credit >= 1) {
      this.cursor ??= this.members.values();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined; // the round is over; the next one starts from the oldest member
        continue;
      }
      this.credit -= 1;
      this.visit(next.value);
    }
  }
}
