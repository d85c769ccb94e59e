// The fan-out worker's retry policy, in one place. A message whose handling fails is retried
// where it is, in its author's (or follower's) lane so that their later events wait behind it,
// a pause apart; only after enough tries and enough time does it go back to the queue. The
// queue counts deliveries and parks a message that used them all up in the dead-letter queue.
// docs/reliability.md ("The worker's retry policy") says what the settings add up to.
import type { Config } from '../config.ts';

export interface RetryPolicy {
  /** Pause after each failed try, so an outage is not a hot loop. */
  delayMs: number;
  /** Tries in place, at least, before the message may go back to the queue. */
  inPlaceAttempts: number;
  /**
   * And for at least this long after its first failure: long enough to ride out a Redis
   * Cluster failover (node timeout + election + the client's slot refresh). A message requeued
   * during one would reach followers after posts written after it and, if its first try's log
   * entry died with the master, be appended a second time.
   */
  inPlaceMs: number;
  /**
   * Deliveries of one message the fan-out queue allows (its `x-delivery-limit`): one that keeps
   * failing, or keeps crashing workers, is dead-lettered rather than retried forever.
   */
  deliveryLimit: number;
}

/** The policy unless configured otherwise (the configuration's defaults). */
export const defaultRetryPolicy: RetryPolicy = { delayMs: 1_000, inPlaceAttempts: 3, inPlaceMs: 15_000, deliveryLimit: 10 };

/** The policy as configured (FANOUT_RETRY_*, FANOUT_DELIVERY_LIMIT). */
export function retryPolicy(config: Pick<Config, 'FANOUT_RETRY_DELAY_MS' | 'FANOUT_RETRY_ATTEMPTS' | 'FANOUT_RETRY_IN_PLACE_MS' | 'FANOUT_DELIVERY_LIMIT'>): RetryPolicy {
  return {
    delayMs: config.FANOUT_RETRY_DELAY_MS,
    inPlaceAttempts: config.FANOUT_RETRY_ATTEMPTS,
    inPlaceMs: config.FANOUT_RETRY_IN_PLACE_MS,
    deliveryLimit: config.FANOUT_DELIVERY_LIMIT,
  };
}

/** Whether a message that failed `attempt` tries, the first failure `failingForMs` ago, goes back to the queue. */
export function requeueNow(policy: RetryPolicy, attempt: number, failingForMs: number): boolean {
  return attempt >= policy.inPlaceAttempts && failingForMs >= policy.inPlaceMs;
}

/**
 * What the policy adds up to for a message that fails every try at once: tries per delivery,
 * tries in all, and the time from its first try to the dead-letter queue. Slow failures (a
 * command that times out) take longer per try and make fewer tries in the same time.
 */
export function worstCase(policy: RetryPolicy): { triesPerDelivery: number; deliveries: number; tries: number; msBeforeDeadLetter: number } {
  const delay = Math.max(policy.delayMs, 1);
  // After try n (and its pause) the message has been failing for n pauses.
  const triesPerDelivery = Math.max(policy.inPlaceAttempts, Math.ceil(policy.inPlaceMs / delay), 1);
  // The quorum queue dead-letters a message returned more often than the limit: the first
  // delivery plus `deliveryLimit` redeliveries.
  const deliveries = policy.deliveryLimit + 1;
  return { triesPerDelivery, deliveries, tries: triesPerDelivery * deliveries, msBeforeDeadLetter: triesPerDelivery * deliveries * policy.delayMs };
}
