// feed.v1 over Server-Sent Events, for networks that block WebSocket. Read with fetch's
// streaming body rather than EventSource, so the same code runs in browsers, Node and Deno,
// can send `Authorization` and `Last-Event-ID` itself, and sees the HTTP status of a refusal
// (EventSource reports none). The stream is parsed by eventsource-parser; the gateway's
// heartbeat comments prove the connection alive.
import { createParser } from 'eventsource-parser';
import { HEARTBEAT_MS, RESUME, SSE_ERROR_EVENT, STREAM_PATH, TOKEN_PARAM } from '@feed/contracts/stream';
import { parseSseMessage } from './events.ts';
import { endOfHttp, realTimers, type Credentials, type OpenTransport, type Timers, type TransportEnd } from './transport.ts';

/**
 * What the SSE transport needs of `fetch`: a GET with headers and an abort signal, answered with
 * a status, the content type, a JSON error body, and the body read chunk by chunk. The
 * runtime's `fetch` is one; `nodeStreamFetch` from `@feed/client/node` is another, which reads
 * the stream straight off `node:http` and costs Node about half the CPU per event (docs/stream.md).
 */
export type StreamFetch = (url: URL, init: StreamRequest) => Promise<StreamResponse>;

export interface StreamRequest {
  headers: Record<string, string>;
  signal: AbortSignal;
  credentials: 'same-origin';
  cache: 'no-store';
}

export interface StreamResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  readonly body: { getReader(): StreamReader } | null;
}

export interface StreamReader {
  read(): Promise<{ done: true; value?: Uint8Array | undefined } | { done: false; value: Uint8Array }>;
}

export interface SseTransportOptions {
  /** The site the stream is on; the stream is at STREAM_PATH. */
  url: string | URL;
  credentials: Credentials;
  /** More request headers (a User-Agent, say). */
  headers?: Record<string, string>;
  /** How the stream is requested and read: the runtime's `fetch` by default. */
  fetch?: StreamFetch;
  /** A response that has not started by then is abandoned. */
  openTimeoutMs?: number;
  /** No event or heartbeat comment for this long means the connection is dead. */
  heartbeatTimeoutMs?: number;
  timers?: Timers;
}

/** The longest an event may grow before the stream is treated as broken (the gateway's are a few KiB). */
const MAX_EVENT_CHARS = 1 << 20;

async function messageOf(res: StreamResponse): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : '';
  } catch {
    return '';
  }
}

function reasonOf(data: string): string {
  try {
    const reason = (JSON.parse(data) as { reason?: unknown }).reason;
    return typeof reason === 'string' ? reason : data;
  } catch {
    return data;
  }
}

export function sseTransport(options: SseTransportOptions): OpenTransport {
  const timers = options.timers ?? realTimers;
  const fetchFn: StreamFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const heartbeatMs = options.heartbeatTimeoutMs ?? HEARTBEAT_MS.sseComment * 2 + 5_000;
  const { credentials } = options;
  return (resumeFrom, handlers) => {
    const url = new URL(STREAM_PATH, options.url);
    const headers: Record<string, string> = { ...options.headers, accept: 'text/event-stream' };
    if (resumeFrom) headers[RESUME.sseHeader] = resumeFrom;
    if (credentials.kind === 'bearer') headers.authorization = `Bearer ${credentials.token()}`;
    if (credentials.kind === 'query') url.searchParams.set(TOKEN_PARAM, credentials.token());

    const abort = new AbortController();
    let opened = false;
    let finished = false;
    let watchdog: unknown;
    const finish = (end: TransportEnd) => {
      if (finished) return;
      finished = true;
      timers.clearTimeout(watchdog);
      abort.abort();
      handlers.onEnd(end);
    };
    const end = (detail: string, reconnectNow = false) => finish({ neverOpened: !opened, auth: null, reconnectNow, detail });
    const alive = (ms: number, detail: string) => {
      timers.clearTimeout(watchdog);
      watchdog = timers.setTimeout(() => end(detail), ms);
    };
    alive(options.openTimeoutMs ?? 8_000, 'event stream did not answer');

    const parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent(message) {
        if (finished) return;
        if (message.event === SSE_ERROR_EVENT) {
          // The gateway names the end of a stream whose token it no longer accepts this way.
          const reason = reasonOf(message.data);
          return finish({ neverOpened: false, auth: { kind: 'auth', message: reason }, reconnectNow: false, detail: reason });
        }
        if (handlers.onRawFrame) return handlers.onRawFrame(message.data);
        const event = parseSseMessage(message.id, message.event, message.data);
        if (event) handlers.onEvent(event);
      },
      onError(err) {
        if (err.type === 'max-buffer-size-exceeded') end('event stream sent an oversized event');
        // Unknown fields and bad retry values are ignored, as EventSource does.
      },
    });

    const read = async () => {
      const res = await fetchFn(url, { headers, signal: abort.signal, credentials: 'same-origin', cache: 'no-store' });
      if (!res.ok) return finish(endOfHttp(res.status, await messageOf(res)));
      if (!(res.headers.get('content-type') ?? '').includes('text/event-stream') || !res.body) {
        return end(`not an event stream (${res.headers.get('content-type') ?? 'no content type'})`);
      }
      if (finished) return;
      opened = true;
      alive(heartbeatMs, 'no heartbeat from the server');
      handlers.onOpen();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (finished) return;
        if (done) return end('the server ended the stream', true);
        // Any byte (an event or a heartbeat comment) shows the connection alive.
        alive(heartbeatMs, 'no heartbeat from the server');
        parser.feed(decoder.decode(value, { stream: true }));
      }
    };
    read().catch((err: Error) => end(opened ? 'event stream interrupted' : `event stream unavailable: ${err.message}`));

    return {
      kind: 'sse',
      close() {
        finished = true;
        timers.clearTimeout(watchdog);
        abort.abort();
      },
    };
  };
}
