// docker-compose.yml cannot run here (no Docker engine), so it is validated by Debian's
// docker-compose parser and compared with the topology `npm start` runs, and its deployment
// decisions are checked one by one: whom core trusts as a proxy, where gateways say they are,
// where secrets and operator credentials come from, and which gateway runs on Deno.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEVELOPMENT_SECRET } from '@feed/contracts';
import { localTopology, type Role } from '../scripts/topology.ts';
import { renderConfig } from '../haproxy/render.ts';
import { dockerTopology } from '../haproxy/docker.ts';
import { gatewayCommand } from '@feed/gateway/launch';
import { loadConfig as coreConfig } from '../core/src/config.ts';
import { loadConfig as gatewayConfig } from '../gateway/src/config.ts';

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: (string | { published: number; target: number; host_ip?: string })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } }>;
}

/** What an operator provides; each must reach the services unchanged, and none has a default. */
const REQUIRED = {
  JWT_SECRET: 'k3Y-drawn-by-the-test-not-by-a-person-0123456789',
  HAPROXY_STATS_USER: 'ops-user',
  HAPROXY_STATS_PASSWORD: 'stats-password-from-the-test',
  RABBITMQ_USER: 'rabbit-user',
  RABBITMQ_PASSWORD: 'rabbit-password-from-the-test',
};

function composeConfig(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in REQUIRED)));
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8', env: { ...clean, ...env } });
}

let resolved: Compose | undefined;
/** The compose file as docker-compose resolves it with every required value given (parsed once: each run takes a second). */
function resolvedCompose(): Compose {
  if (resolved) return resolved;
  const result = composeConfig(REQUIRED);
  expect(result.error, 'docker-compose must be installed (apt-get install docker-compose)').toBeUndefined();
  expect(result.stderr).not.toMatch(/ERROR/);
  expect(result.status).toBe(0);
  resolved = parse(result.stdout) as Compose;
  return resolved;
}

function roleOf(service: Service): Role | 'infra' {
  const command = (service.command ?? []).join(' ');
  if (command.includes('core/src/main.ts')) return 'core';
  if (command.includes('core/src/worker.ts')) return 'worker';
  if (command.includes('gateway/src/main.ts')) return 'gateway';
  if (service.image?.startsWith('haproxy')) return 'haproxy';
  return 'infra';
}

const gatewayServices = (compose: Compose) => Object.entries(compose.services).filter(([, s]) => roleOf(s) === 'gateway');

/** The base image of each named stage of the Dockerfile. */
function dockerStages(): Map<string, string> {
  const stages = new Map<string, string>();
  for (const m of readFileSync('Dockerfile', 'utf8').matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)/gim)) stages.set(m[2]!, m[1]!);
  return stages;
}

/** The exec-form CMD of one named stage of the Dockerfile. */
function stageCommand(stage: string): string[] {
  const text = readFileSync('Dockerfile', 'utf8');
  const start = text.search(new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage}\\s*$`, 'im'));
  const body = start < 0 ? '' : (text.slice(start).split(/^FROM\s/im)[1] ?? '');
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(body);
  if (!cmd) throw new Error(`the Dockerfile has no stage ${stage} with an exec-form CMD`);
  return JSON.parse(cmd[1]!) as string[];
}

/** Published ports as host_ip:published, whichever syntax docker-compose printed. */
function published(service: Service): string[] {
  return (service.ports ?? []).map((p) =>
    typeof p === 'string'
      ? p
          .replace(/\/tcp$/, '')
          .split(':')
          .slice(0, -1)
          .join(':')
      : `${p.host_ip ?? ''}:${p.published}`,
  );
}

describe('docker-compose.yml', () => {
  it('is valid and runs the same services as npm start', () => {
    const { services } = resolvedCompose();
    const count = (roles: Role[]) => Object.fromEntries((['core', 'worker', 'gateway', 'haproxy'] as Role[]).map((r) => [r, roles.filter((x) => x === r).length]));
    const composeRoles = Object.values(services)
      .map(roleOf)
      .filter((r): r is Role => r !== 'infra');
    expect(count(composeRoles)).toEqual(count(localTopology({ cores: 2, gateways: 2 }).map((s) => s.role)));
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

  it('makes core trust HAProxy on the compose network as a proxy, and nobody outside it', () => {
    const compose = resolvedCompose();
    const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
    expect(subnet, 'the default network has a fixed subnet').toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const trusted = coreConfig({ TRUST_PROXY: compose.services.core!.environment!.TRUST_PROXY }).TRUST_PROXY;
    expect(trusted).toContain(subnet);
    // What express makes of it: a hop from inside the network is a proxy, one from outside is a client.
    const app = express().set('trust proxy', trusted);
    const isTrusted = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
    const inside = subnet!.replace(/\.0\/\d+$/, '.7');
    expect(isTrusted(inside, 0)).toBe(true);
    expect(isTrusted('203.0.113.9', 0)).toBe(false);
    // npm start's core keeps the default: HAProxy on its own host.
    expect(coreConfig({}).TRUST_PROXY).toEqual(['loopback']);
  });

  it('has each gateway announce its service name, where core can reach it', () => {
    const gateways = gatewayServices(resolvedCompose());
    expect(gateways).toHaveLength(2);
    for (const [name, service] of gateways) {
      const env = service.environment!;
      expect(env.GATEWAY_ADVERTISE_URL, name).toBe(`http://${name}:${env.PORT}`);
      expect(gatewayConfig(env).GATEWAY_ADVERTISE_URL).toBe(env.GATEWAY_ADVERTISE_URL);
    }
    expect(dockerTopology.gateways.map((g) => g.address)).toEqual(gateways.map(([name, s]) => `${name}:${s.environment!.PORT}`));
  });

  it('runs in production mode only with a JWT_SECRET from the environment, and no secret of its own', () => {
    const raw = readFileSync('docker-compose.yml', 'utf8');
    expect(raw).toMatch(/JWT_SECRET: \$\{JWT_SECRET:\?/);
    const missing = composeConfig({ ...REQUIRED, JWT_SECRET: '' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('set JWT_SECRET');

    const { services } = resolvedCompose();
    for (const [name, service] of Object.entries(services).filter(([, s]) => roleOf(s) !== 'infra' && roleOf(s) !== 'haproxy')) {
      expect(service.environment!.NODE_ENV, name).toBe('production');
      expect(service.environment!.JWT_SECRET, name).toBe(REQUIRED.JWT_SECRET);
    }
    // And the production guards refuse the repository's own secrets, should one be passed in.
    for (const secret of [DEVELOPMENT_SECRET, 'change-me-to-a-long-random-secret-of-32-chars-or-more', 'x'.repeat(40)]) {
      const env = { ...services.core!.environment!, JWT_SECRET: secret };
      expect(() => coreConfig(env), secret).toThrow(/JWT_SECRET/);
      expect(() => gatewayConfig({ ...services.gateway1!.environment!, JWT_SECRET: secret }), secret).toThrow(/JWT_SECRET/);
    }
    expect(() => coreConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/); // no secret set at all
    expect(() => coreConfig({ ...services.core!.environment!, JWT_PREVIOUS_SECRETS: DEVELOPMENT_SECRET })).toThrow(/JWT_PREVIOUS_SECRETS/);
    expect(coreConfig(services.core!.environment!).JWT_SECRET).toBe(REQUIRED.JWT_SECRET);
  });

  it("runs one gateway on Deno's official image, the way npm start runs a Deno gateway", () => {
    const stages = dockerStages();
    const gateways = gatewayServices(resolvedCompose());
    const deno = gateways.filter(([, s]) => stages.get(s.build?.target ?? '')?.startsWith('denoland/deno:'));
    expect(deno.map(([name]) => name)).toHaveLength(1);
    expect(deno[0]![1].command).toEqual(['deno', ...gatewayCommand('deno').args]);
    // The image run on its own (no compose command) starts the gateway the same way.
    expect(stageCommand(deno[0]![1].build!.target!)).toEqual(['deno', ...gatewayCommand('deno').args]);
    const node = gateways.filter(([, s]) => s.command?.[0] === 'node');
    expect(node).toHaveLength(1);
    expect(stages.get(node[0]![1].build!.target!)).toMatch(/^node:/);
    // The Deno image has no node: its health check runs on deno.
    expect(JSON.stringify(deno[0]![1].healthcheck)).toContain('"deno"');
  });

  it('takes the stats and management credentials from the environment, and serves both to this host only', () => {
    const raw = readFileSync('docker-compose.yml', 'utf8');
    for (const name of ['HAPROXY_STATS_USER', 'HAPROXY_STATS_PASSWORD', 'RABBITMQ_USER', 'RABBITMQ_PASSWORD']) {
      expect(raw, name).not.toMatch(new RegExp(`\\$\\{${name}:-`)); // no default
      const without = composeConfig({ ...REQUIRED, [name]: '' });
      expect(without.status, name).not.toBe(0);
      expect(without.stderr, name).toContain(`set ${name}`);
    }
    const { services } = resolvedCompose();
    expect(services.haproxy!.environment).toMatchObject({ HAPROXY_STATS_USER: REQUIRED.HAPROXY_STATS_USER, HAPROXY_STATS_PASSWORD: REQUIRED.HAPROXY_STATS_PASSWORD });
    expect(services.rabbitmq!.environment).toMatchObject({ RABBITMQ_DEFAULT_USER: REQUIRED.RABBITMQ_USER, RABBITMQ_DEFAULT_PASS: REQUIRED.RABBITMQ_PASSWORD });
    expect(services.core!.environment!.AMQP_URL).toBe(`amqp://${REQUIRED.RABBITMQ_USER}:${REQUIRED.RABBITMQ_PASSWORD}@rabbitmq:5672`);
    expect(readFileSync('haproxy/haproxy.docker.cfg', 'utf8')).toMatch(/http-request auth realm .* unless \{ http_auth\(operators\) \}/);
    expect(published(services.haproxy!)).toContain('127.0.0.1:8404');
    expect(published(services.rabbitmq!)).toEqual(['127.0.0.1:15672']);
  });
});
