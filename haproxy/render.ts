// Fills the "@servers" markers of haproxy.cfg with the running topology's server lines, and
// names the environment haproxy.cfg reads.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Server {
  name: string;
  /** host:port */
  address: string;
  /** A slot in maintenance, to be pointed at a server and enabled later through the runtime API. */
  disabled?: boolean;
}

export interface Topology {
  core: Server[];
  gateways: Server[];
}

export const TEMPLATE_PATH = new URL('./haproxy.cfg', import.meta.url);

function serverLines(servers: Server[]): string {
  return servers.map((s) => `    server ${s.name} ${s.address} check${s.disabled ? ' disabled' : ''}`).join('\n');
}

export function renderConfig(topology: Topology, template = readFileSync(TEMPLATE_PATH, 'utf8')): string {
  return template.replace('    # @servers core', serverLines(topology.core)).replace('    # @servers gateways', serverLines(topology.gateways));
}

export interface StatsCredentials {
  user: string;
  password: string;
}

/** Credentials for the stats page nobody was told about: a random password, for tests and tools. */
export const randomStatsCredentials = (): StatsCredentials => ({ user: 'admin', password: randomBytes(18).toString('base64url') });

export interface HaproxyOptions {
  /** host:port of plain http (which only redirects when TLS is on). */
  bind: string;
  statsBind: string;
  socket: string;
  /** Who may open the stats page and its /metrics; random when left out. */
  stats?: StatsCredentials;
  /** Terminate TLS: a PEM holding the certificate chain and the key, and where https listens. */
  tls?: { cert: string; bind: string };
  /** Where the per-request log goes ("stdout", an address); none when left out. */
  accessLog?: string;
}

/** The environment haproxy.cfg reads its addresses and credentials from. */
export function haproxyEnv(opts: HaproxyOptions): Record<string, string> {
  const stats = opts.stats ?? randomStatsCredentials();
  return {
    HAPROXY_BIND: opts.bind,
    HAPROXY_STATS_BIND: opts.statsBind,
    HAPROXY_SOCKET: opts.socket,
    HAPROXY_STATS_USER: stats.user,
    HAPROXY_STATS_PASSWORD: stats.password,
    HAPROXY_ACCESS_LOG: opts.accessLog ?? '',
    HAPROXY_TLS_CERT: opts.tls?.cert ?? '',
    HAPROXY_TLS_BIND: opts.tls?.bind ?? '',
    // The port in the redirect to https: the bind's, after its last colon.
    HAPROXY_TLS_PORT: opts.tls ? opts.tls.bind.slice(opts.tls.bind.lastIndexOf(':') + 1) : '',
  };
}
