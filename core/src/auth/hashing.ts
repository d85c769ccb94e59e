// Where password hashes run, and how many at once. Each hash at the default cost takes 19 MiB
// and a thread of libuv's pool (four threads, shared with everything else that uses it), so an
// unbounded flood of registrations would take all of them, and every login would wait behind
// the flood. Instead, logins and registrations each have a lane of their own: a fixed number
// of hashes at once and a bounded queue. A registration
// flood fills its own lane and is answered 503 with Retry-After beyond it, while logins keep
// their threads; the two lanes together stay below the pool's size, so one thread is always
// left for the rest of the process. See docs/security.md#password-hashing.
import type { PasswordHasher } from './password.ts';

export interface LaneSettings {
  /** Hashes running at once. */
  concurrency: number;
  /** Hashes waiting for a turn; one more is refused. */
  queue: number;
}

export interface HashingSettings {
  login: LaneSettings;
  registration: LaneSettings;
}

/** The lane is full: the caller answers 503 with Retry-After. */
export class HashingBusy extends Error {
  constructor(
    readonly lane: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many ${lane}s in progress: try again in ${retryAfterSeconds} s`);
  }
}

/** Until a lane has timed a hash of its own. */
const FIRST_ESTIMATE_MS = 500;

export class HashingLane {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** A moving average of how long one hash takes here, for Retry-After. */
  private averageMs = FIRST_ESTIMATE_MS;

  constructor(
    readonly name: string,
    private readonly settings: LaneSettings,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `work` when a slot is free; throws HashingBusy at once when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.settings.concurrency) {
      if (this.waiting.length >= this.settings.queue) throw new HashingBusy(this.name, this.retryAfterSeconds());
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      // The slot passes straight to the next in line (running stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** When a place in the queue is likely to be free: the work ahead of it, spread over the slots. */
  private retryAfterSeconds(): number {
    const ahead = (this.running + this.waiting.length) / this.settings.concurrency;
    return Math.max(1, Math.ceil((ahead * this.averageMs) / 1000));
  }
}

export class PasswordHashing {
  readonly login: HashingLane;
  readonly registration: HashingLane;

  constructor(
    settings: HashingSettings,
    /** The hashing itself; tests hand in one that waits on their markers. */
    private readonly hasher: PasswordHasher,
  ) {
    this.login = new HashingLane('login', settings.login);
    this.registration = new HashingLane('registration', settings.registration);
  }

  /** A new account's hash, in the registration lane. */
  hash(password: string): Promise<string> {
    return this.registration.run(() => this.hasher.hash(password));
  }

  /** A login's check, in the login lane. */
  verify(password: string, stored: string): Promise<boolean> {
    return this.login.run(() => this.hasher.verify(password, stored));
  }

  /** A hash at the current setting for a password that verified against an outdated one; undefined when it is current. */
  async rehash(password: string, stored: string): Promise<string | undefined> {
    if (!this.hasher.outdated(stored)) return undefined;
    return this.login.run(() => this.hasher.hash(password));
  }
}
