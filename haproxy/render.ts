// Fills the "@servers" markers of haproxy.cfg with the running topology's server lines.
import { readFileSync } from 'node:fs';

export interface Server {
  name: string;
  /** host:port */
  address: string;
}

export interface Topology {
  core: Server[];
  gateways: Server[];
}

export const TEMPLATE_PATH = new URL('./haproxy.cfg', import.meta.url);

function serverLines(servers: Server[]): string {
  return servers.map((s) => `    server ${s.name} ${s.address} check`).join('\n');
}

export function renderConfig(topology: Topology, template = readFileSync(TEMPLATE_PATH, 'utf8')): string {
  return template
    .replace('    # @servers core', serverLines(topology.core))
    .replace('    # @servers gateways', serverLines(topology.gateways));
}

/** The environment haproxy.cfg reads its addresses from. */
export function haproxyEnv(opts: { bind: string; statsBind: string; socket: string }): Record<string, string> {
  return { HAPROXY_BIND: opts.bind, HAPROXY_STATS_BIND: opts.statsBind, HAPROXY_SOCKET: opts.socket };
}
