// The stream's reconnect schedule: contracts' backoff with full jitter, from half a second up to
// 30 s, so thousands of clients that lost the same gateway spread over the window.
import { backoffDelay, type BackoffOptions } from '@feed/contracts/backoff';

export { backoffCeiling, backoffDelay, type BackoffOptions } from '@feed/contracts/backoff';

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

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
