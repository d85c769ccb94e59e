// Server-Sent Events adapter: `id:` on every event, `event:` for its type, `data:` the post,
// `retry:` once, and comment heartbeats well inside every proxy timeout. Resume with the
// Last-Event-ID header (EventSource sends it on reconnect) or ?lastEventId= for a fresh one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RESUME, SSE_ERROR_EVENT, type TokenClaims } from '@feed/contracts';
import { parseEventId } from '../frames.ts';
import { Staggered } from '../staggered.ts';
import { WriteCoalescer } from '../coalesce.ts';
import type { GatewayNode } from '../node.ts';
import type { Session, Transport } from '../session.ts';

function writeHeartbeat(res: ServerResponse): void {
  res.write(': heartbeat\n\n');
}

export class SseTransport {
  private readonly streams = new Set<ServerResponse>();
  private readonly coalescer = new WriteCoalescer();
  private readonly heartbeat: Staggered<ServerResponse>;

  constructor(
    private readonly node: GatewayNode,
    private readonly log: Logger,
  ) {
    // Each stream gets a comment once per SSE_HEARTBEAT_MS, a few streams at a time.
    this.heartbeat = new Staggered(this.streams, node.config.SSE_HEARTBEAT_MS, writeHeartbeat);
    this.heartbeat.start();
  }

  open(req: IncomingMessage, res: ServerResponse, url: URL, claims: TokenClaims): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no', // tell buffering proxies to pass events through at once
      Connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: ${this.node.config.SSE_RETRY_MS}\n: connected\n\n`);
    this.streams.add(res);

    const lastId = (req.headers[RESUME.sseHeader.toLowerCase()] as string | undefined) ?? url.searchParams.get(RESUME.sseParam) ?? url.searchParams.get(RESUME.webSocketParam);
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
    res.on('close', () => {
      this.streams.delete(res);
      if (session) session.ended();
      else closedEarly = true;
    });
    this.node
      .open({ userId: claims.userId, protocol: 'sse', transport, resumeFrom: lastId ? (parseEventId(lastId) ?? 'invalid') : null, expiresAt: claims.expiresAt, tokenId: claims.tokenId })
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
