// Per-second rates from two samples of the gateways' counters (GET /cluster returns totals).
import type { GatewayStats } from '@feed/contracts/cluster';

export interface Sample {
  at: number;
  gateways: GatewayStats[];
}

type Counter = 'messagesIn' | 'eventsIn' | 'eventsOut';

/**
 * A gateway as GET /cluster reports it, its counters as rates: per second since the previous
 * sample, null when unknown (first sample, restart, unreachable).
 */
export type GatewayRates = Omit<GatewayStats, Counter> & Record<Counter, number | null>;

export function rates(previous: Sample | null, current: Sample): GatewayRates[] {
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  return current.gateways.map((gw) => {
    const before = previous?.gateways.find((g) => g.id === gw.id);
    const rate = (key: Counter): number | null => {
      const now = gw[key];
      const then = before?.[key];
      if (now === null || then === null || then === undefined || seconds <= 0) return null;
      // A counter that went down means the gateway restarted: no rate this time.
      if (now < then) return null;
      return (now - then) / seconds;
    };
    return {
      id: gw.id,
      url: gw.url,
      reachable: gw.reachable,
      runtime: gw.runtime,
      sessions: gw.sessions,
      users: gw.users,
      messagesIn: rate('messagesIn'),
      eventsIn: rate('eventsIn'),
      eventsOut: rate('eventsOut'),
    };
  });
}

export function formatRate(value: number | null): string {
  if (value === null) return '–';
  return value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(1);
}
