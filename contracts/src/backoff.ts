// Retry delays for everything that reconnects or retries (the stream SDK, the services' Redis
// clients, the outbox relay): exponential backoff with full jitter (AWS architecture blog,
// "Exponential Backoff And Jitter"), a random delay in [0, min(cap, base * 2^attempt)).
// Randomness spreads the many clients or processes that lost the same peer over the whole window
// instead of a herd. No imports: the SPA loads this in the browser.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** The ceiling of the window for the given attempt (0-based). */
export function backoffCeiling(attempt: number, { baseMs, capMs }: BackoffOptions): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
}

/** Full jitter: uniformly random in [0, ceiling). `random` is injectable for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
