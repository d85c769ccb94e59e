// The fan-out worker's retry policy: configured in one block, and what it adds up to (the
// figures docs/reliability.md quotes for the defaults).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { defaultRetryPolicy, requeueNow, retryPolicy, worstCase } from '../src/fanout/retry-policy.ts';

describe('the fan-out retry policy', () => {
  it('comes from the configuration, whose defaults are the default policy', () => {
    expect(retryPolicy(loadConfig({}))).toEqual(defaultRetryPolicy);
    expect(retryPolicy(loadConfig({ FANOUT_RETRY_DELAY_MS: '250', FANOUT_RETRY_ATTEMPTS: '5', FANOUT_RETRY_IN_PLACE_MS: '0', FANOUT_DELIVERY_LIMIT: '2' }))).toEqual({ delayMs: 250, inPlaceAttempts: 5, inPlaceMs: 0, deliveryLimit: 2 });
  });

  it('refuses a delivery limit, attempt count or delay that is not a positive integer', () => {
    for (const [name, value] of [
      ['FANOUT_DELIVERY_LIMIT', '0'],
      ['FANOUT_RETRY_ATTEMPTS', '-1'],
      ['FANOUT_RETRY_DELAY_MS', 'soon'],
    ]) {
      expect(() => loadConfig({ [name!]: value }), `${name}=${value}`).toThrow(name);
    }
  });

  it('keeps a message in place until it has had its attempts and its time, whichever comes last', () => {
    const policy = { delayMs: 1_000, inPlaceAttempts: 3, inPlaceMs: 15_000, deliveryLimit: 10 };
    expect(requeueNow(policy, 2, 60_000)).toBe(false); // time, but not the attempts
    expect(requeueNow(policy, 14, 14_000)).toBe(false); // the attempts, but not the time
    expect(requeueNow(policy, 15, 15_000)).toBe(true);
    expect(requeueNow({ ...policy, inPlaceMs: 0 }, 3, 3_000)).toBe(true);
  });

  it('adds up, with the defaults, to 15 tries per delivery, 11 deliveries, 165 tries and 165 s before the dead-letter queue', () => {
    expect(worstCase(defaultRetryPolicy)).toEqual({ triesPerDelivery: 15, deliveries: 11, tries: 165, msBeforeDeadLetter: 165_000 });
    // Without the time in place, the attempts alone: 3 per delivery.
    expect(worstCase({ ...defaultRetryPolicy, inPlaceMs: 0 })).toMatchObject({ triesPerDelivery: 3, tries: 33, msBeforeDeadLetter: 33_000 });
  });
});
