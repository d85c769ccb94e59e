import { describe, expect, it } from 'vitest';
import type { GatewayStats } from '@feed/contracts/cluster';
import { formatRate, rates } from './rates.ts';

const gw = (id: string, n: Partial<GatewayStats> = {}): GatewayStats => ({
  id,
  url: `http://127.0.0.1:1/${id}`,
  reachable: true,
  runtime: 'node',
  sessions: 1,
  users: 1,
  messagesIn: 0,
  eventsIn: 0,
  eventsOut: 0,
  ...n,
});

describe('cluster rates', () => {
  it('has no rates on the first sample', () => {
    expect(rates(null, { at: 0, gateways: [gw('a')] })[0]).toMatchObject({ messagesIn: null, eventsOut: null, sessions: 1 });
  });

  it('divides counter growth by the elapsed seconds', () => {
    const r = rates({ at: 1000, gateways: [gw('a', { messagesIn: 10, eventsIn: 100, eventsOut: 200 })] }, { at: 3000, gateways: [gw('a', { messagesIn: 30, eventsIn: 300, eventsOut: 1200 })] });
    expect(r[0]).toMatchObject({ messagesIn: 10, eventsIn: 100, eventsOut: 500 });
  });

  it('gives no rate for a new gateway, a restarted one, or one not answering', () => {
    const before = { at: 0, gateways: [gw('a', { eventsOut: 500 }), gw('c', { eventsOut: 5 })] };
    const after = { at: 1000, gateways: [gw('a', { eventsOut: 3 }), gw('b', { eventsOut: 9 }), gw('c', { reachable: false, eventsOut: null })] };
    expect(rates(before, after).map((r) => r.eventsOut)).toEqual([null, null, null]);
  });

  it('formats rates for the table', () => {
    expect(formatRate(null)).toBe('–');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(12345.6)).toBe('12,346');
  });
});
