// GET /cluster: the live gateways, each with its sessions and event counters, read from the
// presence registry in Redis (gateways announce themselves and their URL) and each gateway's
// own Prometheus /metrics. Counters are totals; the cluster view turns them into rates.
import { Router } from 'express';
import type { Presence } from '@feed/cache';
import type { GatewayStats } from '@feed/contracts';

const METRICS = {
  sessions: 'gateway_sessions',
  users: 'gateway_users',
  messagesIn: 'gateway_messages_in_total',
  eventsIn: 'gateway_events_in_total',
  eventsOut: 'gateway_events_out_total',
} as const;

/** The runtime label of the gateway's info metric: `gateway_info{runtime="deno",…} 1`. */
export function runtimeOf(text: string): string | null {
  const match = /^gateway_info\{[^}]*\bruntime="([a-z]+)"/m.exec(text);
  return match ? match[1]! : null;
}

/** Sums each named metric over its label sets, from the Prometheus text format. */
export function parseMetrics(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    if (!Number.isFinite(value)) continue;
    sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + value);
  }
  return sums;
}

async function statsOf(id: string, url: string | undefined, timeoutMs: number): Promise<GatewayStats> {
  const empty: GatewayStats = { id, url: url ?? null, reachable: false, runtime: null, sessions: null, users: null, messagesIn: null, eventsIn: null, eventsOut: null };
  if (!url) return empty;
  try {
    const res = await fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return empty;
    const text = await res.text();
    const sums = parseMetrics(text);
    const read = (name: string) => sums.get(name) ?? 0;
    return {
      id,
      url,
      reachable: true,
      runtime: runtimeOf(text),
      sessions: read(METRICS.sessions),
      users: read(METRICS.users),
      messagesIn: read(METRICS.messagesIn),
      eventsIn: read(METRICS.eventsIn),
      eventsOut: read(METRICS.eventsOut),
    };
  } catch {
    return empty;
  }
}

export function clusterRoutes(presence: Presence, timeoutMs: number): Router {
  const router = Router();
  router.get('/cluster', async (_req, res) => {
    const gateways = await presence.liveGatewayInfo();
    const stats = await Promise.all(gateways.map(({ id, info }) => statsOf(id, info?.url, timeoutMs)));
    stats.sort((a, b) => a.id.localeCompare(b.id));
    res.setHeader('Cache-Control', 'no-store');
    res.json(stats);
  });
  return router;
}
