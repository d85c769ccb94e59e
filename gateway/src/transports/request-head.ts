// The head of the first request on a connection, read before Node's HTTP server sees it, so that
// the stream (an SSE request or a WebSocket upgrade) is served on the bare socket: once its
// handshake is done, a stream needs nothing of HTTP but the socket, and Node's IncomingMessage,
// ServerResponse and parser (with every request header as a string) would only cost memory for
// as long as the stream lives. Everything else (/health, /metrics, malformed or oversized heads,
// keep-alive) goes on to Node's HTTP server with the bytes read so far, exactly as if it had read
// them itself. The head is parsed by http-parser-js, not by hand.
import type { Socket } from 'node:net';
import { HTTPParser } from 'http-parser-js';

/** Request header names in lower case, as Node's `IncomingMessage.headers` has them. */
export type RequestHeaders = Record<string, string | undefined>;

export interface RequestHead {
  method: string;
  url: string;
  headers: RequestHeaders;
  upgrade: boolean;
}

export type HeadRead =
  /**
   * A complete head, and every byte read (the head and whatever followed it). For an upgrade,
   * `upgradeHead` holds what the client sent after the head (the first bytes of the new
   * protocol); the parser stops there.
   */
  | { kind: 'head'; head: RequestHead; bytes: Buffer[]; upgradeHead: Buffer }
  /** Not a head we read ourselves (malformed, too large): Node's server answers it from `bytes`. */
  | { kind: 'unread'; bytes: Buffer[] }
  /** No complete head within the time allowed (a slow or silent client). */
  | { kind: 'timeout' }
  | { kind: 'closed' };

export interface HeadLimits {
  /** Bytes the head may take; a longer one goes on to Node's server, which answers 431. */
  maxBytes: number;
  timeoutMs: number;
}

const EMPTY = Buffer.alloc(0);

/** Joined as Node joins repeated headers: cookies with '; ', the rest with ', '. */
function headersOf(flat: string[]): RequestHeaders {
  const headers: RequestHeaders = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const value = flat[i + 1]!;
    const before = headers[name];
    headers[name] = before === undefined ? value : `${before}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}

/** Reads the first request head on `socket`, leaving the socket paused with nothing consumed for good. */
export function readRequestHead(socket: Socket, limits: HeadLimits): Promise<HeadRead> {
  return new Promise((resolve) => {
    const parser = new HTTPParser(HTTPParser.REQUEST);
    parser.maxHeaderSize = limits.maxBytes;
    const bytes: Buffer[] = [];
    let head: RequestHead | undefined;
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      // The first head only: a client may pipeline another request behind it.
      head ??= { method: HTTPParser.methods[info.method] ?? '', url: info.url, headers: headersOf(info.headers), upgrade: info.upgrade };
      return 1; // skip any body: we stop at the head
    };
    const finish = (result: HeadRead) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      parser.close();
      resolve(result);
    };
    let received = 0;
    const onData = (chunk: Buffer) => {
      bytes.push(chunk);
      received += chunk.length;
      const parsed = parser.execute(chunk);
      if (!head) {
        if (parsed instanceof Error) finish({ kind: 'unread', bytes });
        return;
      }
      // On an upgrade the parser stops at the end of the head: `parsed` is where it ended in this
      // chunk. Otherwise it reads on past the head, so what was read bounds the head's size. The
      // parser checks its limit only while a head is incomplete, so the last chunk is checked here.
      const endOfHead = head.upgrade && typeof parsed === 'number' ? parsed : undefined;
      const headBytes = endOfHead === undefined ? received : received - chunk.length + endOfHead;
      if (headBytes > limits.maxBytes) finish({ kind: 'unread', bytes });
      else finish({ kind: 'head', head, bytes, upgradeHead: endOfHead === undefined ? EMPTY : chunk.subarray(endOfHead) });
    };
    const onClose = () => finish({ kind: 'closed' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), limits.timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
