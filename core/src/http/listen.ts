// Where the REST API accepts connections. Core keeps an idle connection open longer than HAProxy
// keeps the client connection it serves (haproxy/haproxy.cfg: `timeout http-keep-alive` 60 s,
// and `http-reuse never` ties each connection to core to one client's), so HAProxy is always the
// side that ends it. Were core to end one just as HAProxy sent a request on it, HAProxy would drop
// the client's connection unanswered, and a POST from fetch or a generated client would fail.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Express } from 'express';

/** Above HAProxy's `timeout http-keep-alive` (60 s): an idle connection is HAProxy's to end. */
export const IDLE_CONNECTION_MS = 75_000;

export async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = app.listen(port, host);
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  // The header timer must outlast the keep-alive one, or Node ends an idle kept connection first.
  server.headersTimeout = IDLE_CONNECTION_MS + 1_000;
  await once(server, 'listening');
  return server;
}
