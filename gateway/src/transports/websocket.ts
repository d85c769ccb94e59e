// WebSocket adapter. Without a subprotocol it speaks the OTUS AsyncAPI exactly; with `feed.v1`
// it sends typed envelopes with resumable ids (resume with ?since=<id>).
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { CLOSE_CODE, FEED_V1, RESUME, type TokenClaims } from '@feed/contracts';
import { parseEventId } from '../frames.ts';
import { Staggered } from '../staggered.ts';
import { WriteCoalescer } from '../coalesce.ts';
import type { GatewayNode } from '../node.ts';
import type { CloseReason, Session, Transport } from '../session.ts';
import type { RequestHead } from './request-head.ts';

/** Close codes a client can act on: 1012 and 4008 mean "reconnect and resume". */
const CLOSE: Record<CloseReason, [number, string]> = {
  slow: [CLOSE_CODE.slow, 'slow consumer: reconnect and resume'],
  expired: [CLOSE_CODE.tokenExpired, 'token expired: log in again'],
  revoked: [CLOSE_CODE.tokenExpired, 'token revoked: log in again'],
  drain: [CLOSE_CODE.drain, 'service restart: reconnect'],
  rate: [CLOSE_CODE.rate, 'too many messages from the client'],
  shutdown: [CLOSE_CODE.shutdown, 'going away'],
};

/** Frames go out as text frames, whether given as a string or as UTF-8 bytes. */
const AS_TEXT = { binary: false } as const;

/**
 * One connection's transport. A class rather than closures: a gateway holds tens of thousands
 * of idle connections, and per-connection closures (and the contexts they keep alive, such as
 * the upgrade request and its URL) were most of what each one cost.
 */
class WebSocketConnection implements Transport {
  readonly kind = 'websocket';
  /** Answered the last ping (a half-open peer does not). */
  alive = true;
  session: Session | undefined;
  /** The socket closed before the session finished opening. */
  closedEarly = false;
  /** Client messages in the current 10 s window. */
  messages = 0;
  windowStart = 0;

  constructor(
    readonly ws: WebSocket,
    readonly owner: WebSocketTransport,
    /** The upgraded socket under `ws`, corked while a turn's frames are written. */
    private readonly socket: Socket,
  ) {}

  write(frame: string | Uint8Array): void {
    this.owner.coalescer.hold(this.socket);
    this.ws.send(frame, AS_TEXT);
  }

  buffered(): number {
    return this.ws.bufferedAmount;
  }

  close(reason: CloseReason): void {
    const [code, message] = CLOSE[reason];
    this.ws.close(code, message);
    // A client that does not read may never complete the closing handshake.
    setTimeout(terminate, 5_000, this.ws).unref?.();
  }

  opened(session: Session): void {
    this.session = session;
    if (this.closedEarly) session.ended();
  }
}

const CONNECTION = Symbol('connection');
type Tagged = WebSocket & { [CONNECTION]: WebSocketConnection };

// Listeners shared by every connection (`this` is the socket), so none is allocated per connection.
function terminate(ws: WebSocket): void {
  ws.terminate();
}
function ignore(): void {}
function heartbeat(connection: WebSocketConnection): void {
  if (!connection.alive) {
    connection.ws.terminate();
    return;
  }
  connection.alive = false;
  connection.ws.ping();
}
function onPong(this: WebSocket): void {
  (this as Tagged)[CONNECTION].alive = true;
}
function onClose(this: WebSocket): void {
  const connection = (this as Tagged)[CONNECTION];
  connection.owner.sockets.delete(connection);
  if (connection.session) connection.session.ended();
  else connection.closedEarly = true;
}
/** Clients have little to say; a flood is closed rather than processed. */
function onMessage(this: WebSocket): void {
  const connection = (this as Tagged)[CONNECTION];
  const now = Date.now();
  if (now - connection.windowStart > 10_000) {
    connection.windowStart = now;
    connection.messages = 0;
  }
  if (++connection.messages > connection.owner.node.config.CLIENT_MESSAGES_PER_10S) {
    if (connection.session) connection.session.close('rate');
    else this.close(...CLOSE.rate);
  }
}

export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  readonly sockets = new Set<WebSocketConnection>();
  readonly coalescer = new WriteCoalescer();
  private readonly pinger: Staggered<WebSocketConnection>;

  constructor(
    readonly node: GatewayNode,
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
    // Spread over the period: each connection is pinged once per WS_PING_MS, a few at a time.
    this.pinger = new Staggered(this.sockets, config.WS_PING_MS, heartbeat);
    this.pinger.start();
  }

  /**
   * Completes an authenticated upgrade, read off the bare socket (request-head.ts), and opens the
   * session. `upgradeHead` is what the client sent after its request head.
   */
  upgrade(head: RequestHead, socket: Socket, upgradeHead: Buffer, url: URL, claims: TokenClaims): void {
    // Only what the session needs, so nothing below keeps the request or its URL alive.
    const since = url.searchParams.get(RESUME.webSocketParam);
    const { userId, expiresAt, tokenId } = claims;
    // ws checks the handshake from a request's method and headers; this one lives only for that.
    const req = new IncomingMessage(socket);
    req.method = head.method;
    req.url = head.url;
    req.headers = head.headers;
    this.wss.handleUpgrade(req, socket, upgradeHead, (raw) => {
      const ws = raw as Tagged;
      const connection = new WebSocketConnection(ws, this, socket);
      ws[CONNECTION] = connection;
      this.sockets.add(connection);
      ws.on('pong', onPong);
      ws.on('close', onClose);
      ws.on('error', ignore);
      ws.on('message', onMessage);
      // The head was read with the socket paused; from here ws reads it.
      socket.resume();
      const protocol = ws.protocol === FEED_V1 ? FEED_V1 : 'asyncapi';
      const resumeFrom = protocol === FEED_V1 && since ? (parseEventId(since) ?? 'invalid') : null;
      this.node.open({ userId, protocol, transport: connection, resumeFrom, expiresAt, tokenId }).then(
        (session) => connection.opened(session),
        (err: Error) => {
          this.log.warn({ err: err.message }, 'could not open a session');
          ws.close(CLOSE_CODE.unavailable, 'temporarily unavailable: retry');
        },
      );
    });
  }

  close(): void {
    this.pinger.stop();
    for (const connection of this.sockets) connection.ws.terminate();
  }
}
