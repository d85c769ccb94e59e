// Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
// Backoff And Jitter"): a random delay in [0, min(cap, base * 2^attempt)). Randomness spreads
// thousands of clients that lost the same gateway over the whole window instead of a herd.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** The ceiling of the window for the given attempt (0-based). */
export function backoffCeiling(attempt: number, { baseMs, capMs }: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
}

/** Full jitter: uniformly random in [0, ceiling). `random` is injectable for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failures since the last success. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next try; each call widens the window. */
  next(): number {
    return backoffDelay(this.attempt++, this.options, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
