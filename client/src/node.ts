// The adapters for Node. WebSocket (20 has none built in): the `ws` package, which can send the
// Authorization header, shows the HTTP status of a refused handshake, and lets the client see
// the gateway's pings (so a silent, half-open connection is noticed). SSE: the stream read
// straight off `node:http`.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import type { StreamFetch, StreamReader, StreamResponse } from './sse.ts';
import type { WebSocketAdapter } from './websocket.ts';

export const nodeWebSocket: WebSocketAdapter = {
  headers: true,
  seesPings: true,
  connect(url, protocol, headers, on) {
    const ws = new WebSocket(url, [protocol], { headers, perMessageDeflate: false });
    let refused: number | undefined;
    ws.on('open', () => on.open(ws.protocol));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) on.message(data.toString());
    });
    ws.on('ping', () => on.ping());
    ws.on('unexpected-response', (_req, res) => {
      refused = res.statusCode;
      res.resume();
      ws.terminate(); // ends the handshake; `close` follows
    });
    ws.on('error', () => {}); // always followed by `close`
    ws.on('close', (code, reason) => on.close(code, reason.toString(), refused));
    return {
      close(code) {
        ws.removeAllListeners('close');
        ws.on('error', () => {});
        if (ws.readyState === WebSocket.OPEN) ws.close(code ?? 1000);
        else ws.terminate();
      },
    };
  },
};

/** Chunks a stream may queue unread before its response is paused (back-pressure on the socket). */
const HIGH_WATER_CHUNKS = 64;

/**
 * The SSE transport's request for Node, over `node:http` (or `node:https`): Node's `fetch`
 * (undici) hands each chunk through a web ReadableStream and its promises, which costs a client
 * about twice the CPU per event of this plain `data` listener (docs/stream.md). There is no
 * cookie jar on Node, so `credentials` means nothing here: pass the token.
 */
export const nodeStreamFetch: StreamFetch = (url, init) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers: init.headers, signal: init.signal }, (res) => resolve(new NodeStreamResponse(res)));
    req.once('error', reject);
    req.end();
  });

class NodeStreamResponse implements StreamResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: StreamResponse['headers'];
  readonly body: { getReader(): StreamReader };

  constructor(private readonly res: IncomingMessage) {
    this.status = res.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
    this.body = { getReader: () => new NodeStreamReader(res) };
  }

  async json(): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.res) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  }
}

type ReadResult = Awaited<ReturnType<StreamReader['read']>>;

class NodeStreamReader implements StreamReader {
  private readonly queue: Uint8Array[] = [];
  private waiting: { resolve(result: ReadResult): void; reject(err: Error): void } | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly res: IncomingMessage) {
    res.on('data', (chunk: Buffer) => {
      const waiting = this.take();
      if (waiting) return waiting.resolve({ done: false, value: chunk });
      this.queue.push(chunk);
      if (this.queue.length >= HIGH_WATER_CHUNKS) res.pause();
    });
    res.once('end', () => {
      this.ended = true;
      this.take()?.resolve({ done: true });
    });
    // An abort, a reset or a cut connection: whatever is queued is still read first.
    const fail = (err: Error) => {
      this.failure ??= err;
      this.take()?.reject(this.failure);
    };
    res.once('error', fail);
    res.once('close', () => {
      if (!this.ended) fail(new Error('the event stream was cut'));
    });
  }

  read(): Promise<ReadResult> {
    const chunk = this.queue.shift();
    if (chunk) {
      if (this.res.isPaused() && this.queue.length < HIGH_WATER_CHUNKS / 2) this.res.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private take() {
    const waiting = this.waiting;
    this.waiting = null;
    return waiting;
  }
}
