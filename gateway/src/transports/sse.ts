// Server-Sent Events adapter: `id:` on every event, `event:` for its type, `data:` the post,
// `retry:` once, and comment heartbeats well inside every proxy timeout. Resume with the
// Last-Event-ID header (EventSource sends it on reconnect) or ?lastEventId= for a fresh one.
import type { Logger } from 'pino';
import { RESUME, SSE_ERROR_EVENT, type TokenClaims } from '@feed/contracts';
import { parseEventId } from '../frames.ts';
import { Staggered } from '../staggered.ts';
import { WriteCoalescer, type Corkable } from '../coalesce.ts';
import type { GatewayNode } from '../node.ts';
import type { Session, Transport } from '../session.ts';
import type { RequestHead } from './request-head.ts';

/** Where a stream goes: the connection's socket, once its request head was read (server.ts). */
export interface SseStream extends Corkable {
  setNoDelay(noDelay: boolean): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(): void;
  destroy(): void;
  readonly writableLength: number;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * A stream's response head, written on the bare socket; the body runs until the connection
 * closes. X-Accel-Buffering tells buffering proxies to pass events through at once.
 */
const SSE_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n';

function writeHeartbeat(stream: SseStream): void {
  stream.write(': heartbeat\n\n');
}

export class SseTransport {
  private readonly streams = new Set<SseStream>();
  private readonly coalescer = new WriteCoalescer();
  private readonly heartbeat: Staggered<SseStream>;

  constructor(
    private readonly node: GatewayNode,
    private readonly log: Logger,
  ) {
    // Each stream gets a comment once per SSE_HEARTBEAT_MS, a few streams at a time.
    this.heartbeat = new Staggered(this.streams, node.config.SSE_HEARTBEAT_MS, writeHeartbeat);
    this.heartbeat.start();
  }

  /** Answers an admitted stream request and opens its session, resumed from where the request says. */
  open(res: SseStream, head: RequestHead, url: URL, claims: TokenClaims): void {
    res.setNoDelay(true);
    res.write(`${SSE_HEAD}retry: ${this.node.config.SSE_RETRY_MS}\n: connected\n\n`);
    const lastEventId = head.headers[RESUME.sseHeader.toLowerCase()] ?? url.searchParams.get(RESUME.sseParam) ?? url.searchParams.get(RESUME.webSocketParam);
    this.streams.add(res);

    const transport: Transport = {
      kind: 'sse',
      write: (frame) => {
        this.coalescer.hold(res);
        res.write(frame);
      },
      buffered: () => res.writableLength,
      close: (reason) => {
        if (reason === 'expired') res.write(`event: ${SSE_ERROR_EVENT}\ndata: {"reason":"token expired"}\n\n`);
        if (reason === 'revoked') res.write(`event: ${SSE_ERROR_EVENT}\ndata: {"reason":"token revoked"}\n\n`);
        res.end();
        // A client that stopped reading cannot take the end either: drop the socket.
        if (reason === 'slow') res.destroy();
      },
    };
    let session: Session | undefined;
    let closedEarly = false;
    res.once('close', () => {
      this.streams.delete(res);
      if (session) session.ended();
      else closedEarly = true;
    });
    this.node
      .open({ userId: claims.userId, protocol: 'sse', transport, resumeFrom: lastEventId ? (parseEventId(lastEventId) ?? 'invalid') : null, expiresAt: claims.expiresAt, tokenId: claims.tokenId })
      .then((opened) => {
        session = opened;
        if (closedEarly) opened.ended();
      })
      .catch((err) => {
        this.log.warn({ err: err.message }, 'could not open a session');
        res.end();
      });
  }

  close(): void {
    this.heartbeat.stop();
    for (const res of this.streams) res.destroy();
  }
}
