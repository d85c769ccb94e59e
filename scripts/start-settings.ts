// What `npm start` (scripts/stack.ts) reads from the environment besides the services' own
// settings, which it passes on to them. Declared here so docs/configuration.md lists them.
import { z } from 'zod';
import { sharedSettings } from '@feed/contracts/config';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

export const startSettings = z.object({
  STACK_RUN_DIR: z.string().default('.run').describe('Where this stack keeps its files (HAProxy’s config and socket, the demo account, the stats credentials), relative to the repository.'),
  APP_PORT: port(8080).describe('HAProxy’s port for the app (http; with HAPROXY_TLS_CERT it redirects to APP_TLS_PORT).'),
  APP_TLS_PORT: port(8443).describe('HAProxy’s https port, when HAPROXY_TLS_CERT is set.'),
  STATS_PORT: port(8404).describe('HAProxy’s stats page and its /metrics.'),
  CORE_PORT: port(3000).describe('The first core’s port (its PORT); core i listens on CORE_PORT + i.'),
  CORES: z.coerce.number().int().min(1).default(2).describe('How many core instances to run. HAProxy round-robins over them, so a read in flight on one that dies is answered by another.'),
  GATEWAY_PORT: port(4001).describe('The first gateway’s port; gateway i listens on GATEWAY_PORT + i.'),
  GATEWAYS: z.coerce.number().int().min(1).default(2).describe('How many gateways to run.'),
  GATEWAY_RUNTIME: z.string().default('node').describe('What the gateways run on: `node`, `deno`, or `mixed` (gw1 on Node, gw2 on Deno, and so on in turn).'),
  HAPROXY_TLS_CERT: z.string().optional().describe('A PEM file (certificate and key): HAProxy serves https on APP_TLS_PORT and redirects http there. Unset: http only.'),
  HAPROXY_STATS_USER: z.string().default('admin').describe('User of the HAProxy stats page.'),
  HAPROXY_STATS_PASSWORD: z.string().optional().meta({ description: 'Password of the HAProxy stats page. Unset: one is drawn at each start, printed and kept in STACK_RUN_DIR/stats.json.', shownDefault: 'drawn at each start' }),
  LOG_LEVEL: sharedSettings.LOG_LEVEL.unwrap().default('warn').describe('Passed to core, the worker and every gateway; `npm start` quiets them to warn unless set.'),
});

export type StartSettings = z.infer<typeof startSettings>;
