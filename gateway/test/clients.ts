// Stream clients as an API user would write them: a `ws` WebSocket and a raw HTTP SSE reader.
import http from 'node:http';
import WebSocket from 'ws';
import { waitFor } from '../../test/support/ports.ts';

export interface WsClient {
  ws: WebSocket;
  protocol: string;
  messages: string[];
  /** Parsed frames. */
  json(): any[];
  waitForCount(n: number, timeoutMs?: number): Promise<any[]>;
  /** Waits until some parsed frames satisfy `test`; returns all parsed frames. */
  waitUntil(what: string, test: (frames: any[]) => boolean, timeoutMs?: number): Promise<any[]>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function openWs(url: string, opts: { token?: string; protocol?: string; headers?: Record<string, string>; query?: string } = {}): Promise<WsClient> {
  const headers = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const ws = new WebSocket(url + (opts.query ?? ''), opts.protocol ? [opts.protocol] : [], { headers });
  const messages: string[] = [];
  ws.on('message', (data) => messages.push(data.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        protocol: ws.protocol,
        messages,
        json: () => messages.map((m) => JSON.parse(m)),
        async waitForCount(n, timeoutMs = 15_000) {
          await waitFor(`${n} frames (have ${messages.length})`, async () => messages.length >= n, timeoutMs);
          return messages.map((m) => JSON.parse(m));
        },
        async waitUntil(what, test, timeoutMs = 15_000) {
          return waitFor(what, async () => {
            const frames = messages.map((m) => JSON.parse(m));
            return test(frames) ? frames : undefined;
          }, timeoutMs);
        },
        closed,
        close: () => ws.close(),
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`handshake answered ${res.statusCode}`), { status: res.statusCode })));
  });
}

/** The HTTP status a WebSocket handshake gets (101 when it opens). */
export async function handshakeStatus(url: string, headers: Record<string, string> = {}, protocol?: string): Promise<number> {
  try {
    const client = await openWs(url, { headers, protocol });
    client.close();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  /** Raw text received, comments included. */
  raw(): string;
  waitForCount(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  waitUntil(what: string, test: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  ended: Promise<void>;
  /** True once the response ended or its connection closed. */
  hasEnded(): boolean;
  close(): void;
}

export function openSse(url: string, opts: { token?: string; lastEventId?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('error', () => {}); // a stream the gateway cuts ends like any other
      let raw = '';
      let buffer = '';
      const events: SseEvent[] = [];
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') {
              event.data += (hasData ? '\n' : '') + value;
              hasData = true;
            }
          }
          if (hasData) events.push(event);
        }
      });
      let done = false;
      const ended = new Promise<void>((r) => {
        res.on('end', () => r());
        res.on('close', () => r());
      }).then(() => {
        done = true;
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        raw: () => raw,
        async waitForCount(n, timeoutMs = 15_000) {
          await waitFor(`${n} SSE events (have ${events.length})`, async () => events.length >= n, timeoutMs);
          return events;
        },
        async waitUntil(what, test, timeoutMs = 15_000) {
          return waitFor(what, async () => (test(events) ? events : undefined), timeoutMs);
        },
        ended,
        hasEnded: () => done,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
