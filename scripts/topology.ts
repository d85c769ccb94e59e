// What `npm start` runs, by role. docker-compose.yml must run the same (checked by a test).
import type { Runtime } from '@feed/gateway/launch';

export type Role = 'core' | 'worker' | 'gateway' | 'haproxy';

export function localTopology(counts: { cores: number; gateways: number }): { name: string; role: Role }[] {
  return [
    ...Array.from({ length: counts.cores }, (_, i) => ({ name: `core${i + 1}`, role: 'core' as const })),
    { name: 'worker', role: 'worker' },
    ...Array.from({ length: counts.gateways }, (_, i) => ({ name: `gw${i + 1}`, role: 'gateway' as const })),
    { name: 'haproxy', role: 'haproxy' },
  ];
}

/**
 * The runtime of each of `count` gateways for GATEWAY_RUNTIME: node (the default), deno, or
 * mixed (Node and Deno in turn: gw1 on Node, gw2 on Deno, …).
 */
export function gatewayRuntimes(setting: string | undefined, count: number): Runtime[] {
  const value = (setting ?? '').trim() || 'node';
  if (value !== 'node' && value !== 'deno' && value !== 'mixed') throw new Error(`GATEWAY_RUNTIME must be node, deno or mixed, not ${JSON.stringify(value)}`);
  return Array.from({ length: count }, (_, i) => (value === 'mixed' ? (i % 2 === 0 ? 'node' : 'deno') : value));
}
