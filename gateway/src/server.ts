// The gateway's HTTP surface: /health for HAProxy, /metrics for Prometheus, and the one stream
// endpoint /post/feed/posted as a WebSocket upgrade or a text/event-stream response.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { STREAM_PATH, verificationKeys } from '@feed/contracts';
import { authenticate, type AuthResult } from './auth.ts';
import { currentRuntime } from './launch.ts';
import type { Metrics } from './metrics.ts';
import type { GatewayNode } from './node.ts';
import { rejectUpgrade } from './transports/reject.ts';
import { SseTransport } from './transports/sse.ts';
import { WebSocketTransport } from './transports/websocket.ts';

function ignoreError(): void {}

/** The request target as a URL; undefined for one that does not parse (`//a:b`), which must not throw. */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://gateway');
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function createGatewayServer(node: GatewayNode, metrics: Metrics, log: Logger): { server: Server; close(): void } {
  const keys = verificationKeys(node.config.JWT_SECRET, node.config.JWT_PREVIOUS_SECRETS);
  const ws = new WebSocketTransport(node, log);
  const sse = new SseTransport(node, log);

  /**
   * Streams per user, counted from admission until the connection closes. Counting sessions in
   * the hub instead let a burst through: they join it only after their (async) open completes.
   */
  const streamsOf = new Map<string, number>();
  function holdSlot(userId: string, connection: { once(event: 'close', listener: () => void): unknown }): void {
    streamsOf.set(userId, (streamsOf.get(userId) ?? 0) + 1);
    connection.once('close', () => {
      const left = (streamsOf.get(userId) ?? 1) - 1;
      if (left > 0) streamsOf.set(userId, left);
      else streamsOf.delete(userId);
    });
  }

  /** Everything a stream request must pass before a session opens; holds a slot on `connection`. */
  async function admit(req: IncomingMessage, url: URL, connection: { once(event: 'close', listener: () => void): unknown; destroyed: boolean }): Promise<AuthResult | { ok: false; status: 429 | 503; message: string }> {
    if (node.isDraining) return { ok: false, status: 503, message: 'gateway draining: connect again' };
    const auth = await authenticate(req, url, keys, node.config.ALLOWED_ORIGINS);
    if (!auth.ok) return auth;
    // Redis unreachable: this throws and the stream gets 503 (it could not open without Redis anyway).
    if (await node.isRevoked(auth.claims)) return { ok: false, status: 401, message: 'token revoked: log in again' };
    if ((streamsOf.get(auth.claims.userId) ?? 0) >= node.config.MAX_SESSIONS_PER_USER) {
      return { ok: false, status: 429, message: `at most ${node.config.MAX_SESSIONS_PER_USER} streams per user` };
    }
    if (!connection.destroyed) holdSlot(auth.claims.userId, connection);
    return auth;
  }

  const server = createServer((req, res) => {
    const url = requestUrl(req);
    if (!url) return json(res, 400, { message: 'malformed request target' });
    if (url.pathname === '/health') {
      return json(res, node.healthy ? 200 : 503, {
        status: node.isDraining ? 'draining' : node.healthy ? 'ok' : 'broker unavailable',
        gateway: node.config.GATEWAY_ID,
        runtime: currentRuntime(),
        users: node.hub.userCount,
      });
    }
    if (url.pathname === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        () => json(res, 500, { message: 'metrics unavailable' }),
      );
      return;
    }
    if (url.pathname !== STREAM_PATH) return json(res, 404, { message: `no route for ${req.method} ${url.pathname}` });
    if (req.method !== 'GET') return json(res, 405, { message: 'use GET' });
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return json(res, 406, { message: 'open a WebSocket, or send Accept: text/event-stream for Server-Sent Events' });
    }
    admit(req, url, res).then(
      (result) => {
        if (!result.ok) {
          metrics.rejected.inc({ status: String(result.status) });
          return json(res, result.status, { message: result.message });
        }
        sse.open(req, res, url, result.claims);
      },
      (err) => {
        log.error({ err }, 'admission failed');
        json(res, 503, { message: 'temporarily unavailable' });
      },
    );
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A shared no-op: a closure made here would keep this request, its URL and `head` (a slice of
    // the handshake's read buffer) alive for as long as the socket lives.
    socket.on('error', ignoreError);
    const url = requestUrl(req);
    if (!url) return rejectUpgrade(socket, 400, 'malformed request target');
    if (url.pathname !== STREAM_PATH) return rejectUpgrade(socket, 404, `no stream at ${url.pathname}`);
    admit(req, url, socket).then(
      (result) => {
        if (!result.ok) {
          metrics.rejected.inc({ status: String(result.status) });
          return rejectUpgrade(socket, result.status, result.message);
        }
        ws.upgrade(req, socket, head, url, result.claims);
      },
      (err) => {
        log.error({ err }, 'admission failed');
        rejectUpgrade(socket, 503, 'temporarily unavailable');
      },
    );
  });

  // Bound slow or oversized handshakes (slowloris).
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.maxHeadersCount = 100;

  return {
    server,
    close() {
      ws.close();
      sse.close();
      server.close();
    },
  };
}
