// WebSocket adapter. Without a subprotocol it speaks the OTUS AsyncAPI exactly; with `feed.v1`
// it sends typed envelopes with resumable ids (resume with ?since=<id>).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { TokenClaims } from '@feed/contracts';
import { parseEventId } from '../event-id.ts';
import type { GatewayNode } from '../node.ts';
import type { CloseReason, Session, Transport } from '../session.ts';

/** Close codes a client can act on: 1012 and 4008 mean "reconnect and resume". */
const CLOSE: Record<CloseReason, [number, string]> = {
  slow: [4008, 'slow consumer: reconnect and resume'],
  expired: [4001, 'token expired: log in again'],
  drain: [1012, 'service restart: reconnect'],
  rate: [1008, 'too many messages from the client'],
  shutdown: [1001, 'going away'],
};

export const FEED_V1 = 'feed.v1';

interface Alive {
  alive: boolean;
}

export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket & Alive>();
  private readonly pinger: ReturnType<typeof setInterval>;

  constructor(
    private readonly node: GatewayNode,
    private readonly log: Logger,
  ) {
    const config = node.config;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false, // CPU per frame matters more than bytes for small JSON events
      maxPayload: config.MAX_FRAME_BYTES,
      handleProtocols: (protocols) => (protocols.has(FEED_V1) ? FEED_V1 : false),
    });
    // Heartbeat: a peer that did not answer the previous ping is gone (half-open connection).
    this.pinger = setInterval(() => {
      for (const ws of this.sockets) {
        if (!ws.alive) {
          ws.terminate();
          continue;
        }
        ws.alive = false;
        ws.ping();
      }
    }, config.WS_PING_MS);
  }

  /** Completes an authenticated upgrade and opens the session. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, claims: TokenClaims): void {
    this.wss.handleUpgrade(req, socket, head, (raw) => {
      const ws = raw as WebSocket & Alive;
      ws.alive = true;
      this.sockets.add(ws);
      ws.on('pong', () => (ws.alive = true));
      const protocol = ws.protocol === FEED_V1 ? 'feed.v1' : 'asyncapi';
      const since = protocol === 'feed.v1' ? url.searchParams.get('since') : null;
      const transport: Transport = {
        kind: 'websocket',
        write: (text) => ws.send(text),
        buffered: () => ws.bufferedAmount,
        close: (reason) => {
          const [code, message] = CLOSE[reason];
          ws.close(code, message);
          // A client that does not read may never complete the closing handshake.
          setTimeout(() => ws.terminate(), 5_000).unref?.();
        },
      };
      let session: Session | undefined;
      let closedEarly = false;
      ws.on('close', () => {
        this.sockets.delete(ws);
        if (session) session.ended();
        else closedEarly = true;
      });
      ws.on('error', () => {});
      this.limitClientMessages(ws, () => session?.close('rate') ?? ws.close(...CLOSE.rate));
      this.node
        .open({ userId: claims.userId, protocol, transport, resumeFrom: since ? (parseEventId(since) ?? 'invalid') : null, expiresAt: claims.expiresAt })
        .then((opened) => {
          session = opened;
          if (closedEarly) opened.ended();
        })
        .catch((err) => {
          this.log.warn({ err: err.message }, 'could not open a session');
          ws.close(1011, 'temporarily unavailable: retry');
        });
    });
  }

  /** Clients have little to say; a flood is closed rather than processed. */
  private limitClientMessages(ws: WebSocket, exceeded: () => void): void {
    const limit = this.node.config.CLIENT_MESSAGES_PER_10S;
    let windowStart = Date.now();
    let count = 0;
    ws.on('message', () => {
      const now = Date.now();
      if (now - windowStart > 10_000) {
        windowStart = now;
        count = 0;
      }
      if (++count > limit) exceeded();
    });
  }

  close(): void {
    clearInterval(this.pinger);
    for (const ws of this.sockets) ws.terminate();
  }
}
