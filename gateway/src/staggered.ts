// Visits every member of a live set once per period, a slice per tick, so that a chore done for
// each connection (a WebSocket ping, an SSE heartbeat) never runs for all of them in one turn of
// the event loop. Pinging thousands of sockets in one turn blocks a gateway for hundreds of
// milliseconds, and every event arriving meanwhile waits (bench:load, the gateways' event-loop delay).

/** A live collection whose iterator sees members added during a round (a Set, a Map's keys). */
export interface Members<T> {
  readonly size: number;
  keys(): IterableIterator<T>;
}

export class Staggered<T> {
  private cursor: Iterator<T> | undefined;
  /** Visits owed: grows by size × tick / period each tick, so a round takes one period at any size. */
  private credit = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;

  constructor(
    private readonly members: Members<T>,
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
      this.cursor ??= this.members.keys();
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

/**
 * The same rounds for a chore done in batches over the network (one Redis pipeline per slice
 * instead of one request per member, and not every member's request in one burst): the members
 * a tick owes are handed over together. While a slice is in flight the ticks are skipped, so
 * slow replies never pile up; the round then takes longer than its period.
 */
export class StaggeredSlices<T> {
  private readonly rounds: Staggered<T>;
  private owed: T[] = [];
  private inFlight = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;

  constructor(
    members: Members<T>,
    periodMs: number,
    private readonly visitSlice: (slice: T[]) => Promise<void>,
    tickMs = 100,
  ) {
    this.tickMs = Math.min(tickMs, periodMs);
    this.rounds = new Staggered(members, periodMs, (member) => this.owed.push(member), this.tickMs);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.tickMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One tick: the slice owed by now, visited unless the previous one is still in flight. */
  async tick(): Promise<void> {
    if (this.inFlight) return;
    this.rounds.tick();
    if (this.owed.length === 0) return;
    const slice = this.owed;
    this.owed = [];
    this.inFlight = true;
    try {
      await this.visitSlice(slice);
    } finally {
      this.inFlight = false;
    }
  }
}
