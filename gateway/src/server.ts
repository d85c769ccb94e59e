// The gateway's HTTP surface: /health for HAProxy, /metrics for Prometheus, and the one stream
// endpoint /post/feed/posted as a WebSocket upgrade or a text/event-stream response.
// Connections arrive at a front server that reads the first request head (request-head.ts): a
// stream request there (SSE, or a WebSocket upgrade) is served on the bare socket, anything else
// goes on to Node's HTTP server.
import { createServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { STREAM_PATH, verificationKeys } from '@feed/contracts';
import { authenticate, type AuthHeaders, type AuthResult } from './auth.ts';
import { currentRuntime } from './launch.ts';
import type { Metrics } from './metrics.ts';
import type { GatewayNode } from './node.ts';
import { rejectOnSocket } from './transports/reject.ts';
import { readRequestHead, type RequestHead } from './transports/request-head.ts';
import { SseTransport } from './transports/sse.ts';
import { WebSocketTransport } from './transports/websocket.ts';

function ignoreError(): void {}
function ignoreData(): void {}

/** The request target as a URL; undefined for one that does not parse (`//a:b`), which must not throw. */
function requestUrl(req: { url?: string | undefined }): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://gateway');
  } catch {
    return undefined;
  }
}

/** Bounds on a connection's first request head, read by the front server (slowloris, oversized heads). */
const HEAD_TIMEOUT_MS = 10_000;
const MAX_HEAD_BYTES = 16 * 1024;

/** A plain SSE request for the stream, with no body: served on the bare socket, as upgrades are. */
function isStreamRequest(head: RequestHead, url: URL | undefined): url is URL {
  return head.method === 'GET' && url?.pathname === STREAM_PATH && (head.headers.accept ?? '').includes('text/event-stream') && head.headers['transfer-encoding'] === undefined && (head.headers['content-length'] ?? '0') === '0';
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
  async function admit(headers: AuthHeaders, url: URL, connection: { once(event: 'close', listener: () => void): unknown; destroyed: boolean }): Promise<AuthResult | { ok: false; status: 429 | 503; message: string }> {
    if (node.isDraining) return { ok: false, status: 503, message: 'gateway draining: connect again' };
    const auth = await authenticate(headers, url, keys, node.config.ALLOWED_ORIGINS);
    if (!auth.ok) return auth;
    // Redis unreachable: this throws and the stream gets 503 (it could not open without Redis anyway).
    if (await node.isRevoked(auth.claims)) return { ok: false, status: 401, message: 'token revoked: log in again' };
    if ((streamsOf.get(auth.claims.userId) ?? 0) >= node.config.MAX_SESSIONS_PER_USER) {
      return { ok: false, status: 429, message: `at most ${node.config.MAX_SESSIONS_PER_USER} streams per user` };
    }
    if (!connection.destroyed) holdSlot(auth.claims.userId, connection);
    return auth;
  }

  const http = createServer((req, res) => {
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
    // A plain stream request is served by the front server; what reaches here has a body or
    // came after another request on its connection (which maxRequestsPerSocket rules out).
    return json(res, 400, { message: 'a stream request is a GET with no body, first on its connection' });
  });

  // One request per connection handed on: the front server bounded its head (slowloris), and
  // Node's own request timeouts only run on a server that listens itself, so a second request on
  // the same connection would have no bound. The client opens a new connection for the next one.
  http.maxRequestsPerSocket = 1;
  http.maxHeadersCount = 100;

  /** A stream request read off the socket: admitted, then served on the socket itself. */
  function openStream(socket: Socket, head: RequestHead, url: URL, upgradeHead: Buffer): void {
    if (!head.upgrade) {
      // Whatever an SSE client sends after its head is not ours to read; the stream ends when it hangs up.
      socket.on('data', ignoreData);
      socket.resume();
    }
    admit(head.headers, url, socket).then(
      (result) => {
        if (!result.ok) {
          metrics.rejected.inc({ status: String(result.status) });
          return rejectOnSocket(socket, result.status, result.message);
        }
        if (socket.destroyed) return;
        if (head.upgrade) ws.upgrade(head, socket, upgradeHead, url, result.claims);
        else sse.open(socket, head, url, result.claims);
      },
      (err) => {
        log.error({ err }, 'admission failed');
        rejectOnSocket(socket, 503, 'temporarily unavailable');
      },
    );
  }

  /** Node's HTTP server takes the connection on, from the bytes read so far. */
  function handOn(socket: Socket, bytes: Buffer[]): void {
    socket.unshift(Buffer.concat(bytes));
    http.emit('connection', socket);
    socket.resume();
  }

  const server = createNetServer((socket) => {
    socket.on('error', ignoreError);
    readRequestHead(socket, { maxBytes: MAX_HEAD_BYTES, timeoutMs: HEAD_TIMEOUT_MS }).then((read) => {
      if (read.kind === 'closed') return;
      if (read.kind === 'timeout') return rejectOnSocket(socket, 408, 'request head not received in time');
      if (read.kind === 'unread') return handOn(socket, read.bytes);
      const url = requestUrl(read.head);
      if (read.head.upgrade) {
        // Every upgrade is answered here, the stream's or a refusal, so none reaches Node's server.
        if (!url) return rejectOnSocket(socket, 400, 'malformed request target');
        if (url.pathname !== STREAM_PATH) return rejectOnSocket(socket, 404, `no stream at ${url.pathname}`);
        return openStream(socket, read.head, url, read.upgradeHead);
      }
      if (isStreamRequest(read.head, url)) return openStream(socket, read.head, url, read.upgradeHead);
      handOn(socket, read.bytes);
    }, ignoreError);
  });

  return {
    server,
    close() {
      ws.close();
      sse.close();
      http.close();
      server.close();
    },
  };
}
