// What `npm start` runs, by role. docker-compose.yml must run the same (checked by a test).
export type Role = 'core' | 'worker' | 'gateway' | 'haproxy';

export function localTopology(gateways: number): { name: string; role: Role }[] {
  return [
    { name: 'core', role: 'core' },
    { name: 'worker', role: 'worker' },
    ...Array.from({ length: gateways }, (_, i) => ({ name: `gw${i + 1}`, role: 'gateway' as const })),
    { name: 'haproxy', role: 'haproxy' },
  ];
}
