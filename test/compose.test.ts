// docker-compose.yml cannot run here (no Docker engine), so it is validated by Debian's
// docker-compose parser and compared with the topology `npm start` runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { localTopology, type Role } from '../scripts/topology.ts';
import { renderConfig } from '../haproxy/render.ts';
import { dockerTopology } from '../haproxy/docker.ts';

interface Service {
  image?: string;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

function resolvedCompose(): { services: Record<string, Service> } {
  const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8', env: { ...process.env, JWT_SECRET: 'x'.repeat(40) } });
  expect(result.error, 'docker-compose must be installed (apt-get install docker-compose)').toBeUndefined();
  expect(result.stderr).not.toMatch(/ERROR/);
  expect(result.status).toBe(0);
  return parse(result.stdout);
}

function roleOf(service: Service): Role | 'infra' {
  const command = (service.command ?? []).join(' ');
  if (command.includes('core/src/main.ts')) return 'core';
  if (command.includes('core/src/worker.ts')) return 'worker';
  if (command.includes('gateway/src/main.ts')) return 'gateway';
  if (service.image?.startsWith('haproxy')) return 'haproxy';
  return 'infra';
}

describe('docker-compose.yml', () => {
  it('is valid and runs the same services as npm start', () => {
    const { services } = resolvedCompose();
    const count = (roles: Role[]) => Object.fromEntries((['core', 'worker', 'gateway', 'haproxy'] as Role[]).map((r) => [r, roles.filter((x) => x === r).length]));
    const composeRoles = Object.values(services).map(roleOf).filter((r): r is Role => r !== 'infra');
    expect(count(composeRoles)).toEqual(count(localTopology(2).map((s) => s.role)));
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'rabbitmq']));
    expect(services.rabbitmq!.image).toMatch(/management/);
  });

  it('starts services in order, behind health checks', () => {
    const { services } = resolvedCompose();
    for (const name of ['postgres', 'redis', 'rabbitmq', 'core', 'gateway1', 'gateway2']) expect(services[name]!.healthcheck, name).toBeDefined();
    expect(services.core!.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, rabbitmq: { condition: 'service_healthy' } });
    expect(services.haproxy!.depends_on).toMatchObject({ gateway1: { condition: 'service_healthy' }, core: { condition: 'service_healthy' } });
  });

  it('gives HAProxy the generated configuration for the compose topology', () => {
    const committed = readFileSync('haproxy/haproxy.docker.cfg', 'utf8');
    expect(committed).toBe('# GENERATED from haproxy.cfg by haproxy/render.ts for docker-compose.yml; do not edit.\n' + renderConfig(dockerTopology));
    for (const gw of dockerTopology.gateways) expect(Object.keys(resolvedCompose().services)).toContain(gw.address.split(':')[0]);
  });
});
