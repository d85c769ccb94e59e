// Stream clients for tests. A test that reads the feed.v1 protocol as a client does so through
// the stream SDK (`openFeed`: one connection, no reconnect, so the test sees each close). A
// test of the wire itself stays raw: a `ws` WebSocket (the AsyncAPI frame, handshake statuses,
// frames the client sends, a socket that stops reading) and an HTTP reader that keeps the bytes
// of an SSE response unparsed (`rawSse`: status, headers, `retry:`, comments).
import http from 'node:http';
import WebSocket from 'ws';
import { sseTransport, webSocketTransport, type Credentials, type FeedEvent, type OpenTransport, type TransportEnd, type TransportKind } from '@feed/client';
import { nodeWebSocket } from '@feed/client/node';
import { waitFor } from '../../test/support/ports.ts';

/**
 * A parsed frame as the raw-protocol tests read it: any of the three protocols' shapes (feed.v1
 * envelopes, AsyncAPI payloads, garbage answers), checked field by field.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawFrame = any;

export interface WsClient {
  ws: WebSocket;
  protocol: string;
  messages: string[];
  /** Parsed frames. */
  json(): RawFrame[];
  waitForCount(n: number, timeoutMs?: number): Promise<RawFrame[]>;
  /** Waits until some parsed frames satisfy `test`; returns all parsed frames. */
  waitUntil(what: string, test: (frames: RawFrame[]) => boolean, timeoutMs?: number): Promise<RawFrame[]>;
  closed: Promise<{ code: number; reason: string }>;
  /**
   * Pings the gateway and waits for its pong. The gateway reads a socket's frames in order and
   * answers a ping after those before it, so every frame sent earlier has been handled (and a
   * close it caused is on its way ahead of the pong).
   */
  roundTrip(timeoutMs?: number): Promise<void>;
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
          return waitFor(
            what,
            async () => {
              const frames = messages.map((m) => JSON.parse(m));
              return test(frames) ? frames : undefined;
            },
            timeoutMs,
          );
        },
        closed,
        roundTrip: (timeoutMs = 15_000) =>
          new Promise<void>((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`no pong within ${timeoutMs} ms`)), timeoutMs);
            ws.once('pong', () => {
              clearTimeout(timer);
              done();
            });
            ws.ping();
          }),
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

/** An event as tests read it: typed by the SDK, its data open to ad-hoc checks. */
export type Frame = FeedEvent & { data: Record<string, RawFrame> };

export interface FeedStream {
  transport: TransportKind;
  /** Events in arrival order, as the SDK read them. */
  events: Frame[];
  json(): Frame[];
  waitForCount(n: number, timeoutMs?: number): Promise<Frame[]>;
  /** Waits until the events satisfy `test`; returns them all. */
  waitUntil(what: string, test: (events: Frame[]) => boolean, timeoutMs?: number): Promise<Frame[]>;
  /** How the connection ended (the WebSocket close code is in `code`). */
  closed: Promise<TransportEnd>;
  hasEnded(): boolean;
  close(): void;
}

export interface FeedOptions {
  token?: string;
  /** The token as a Bearer header (default) or as `?token=`. */
  tokenIn?: 'header' | 'query';
  transport?: TransportKind;
  /** The id to resume from. */
  since?: string;
  headers?: Record<string, string>;
  /** Called with each event as it arrives, after it joins `events`. */
  onEvent?: (event: Frame) => void;
}

/**
 * One feed.v1 connection through the SDK's own transport (WebSocket with `ws`, or SSE over
 * fetch) to the stream on `site` (http://host:port). Resolves once open; a connection that
 * never opens rejects with the SDK's account of why (`detail`, `auth`).
 */
export function openFeed(site: string, opts: FeedOptions = {}): Promise<FeedStream> {
  const transport = opts.transport ?? 'websocket';
  const token = opts.token;
  // Without a token the request carries none of its own (a cookie can still come in `headers`).
  const credentials: Credentials = token === undefined ? { kind: 'cookie' } : opts.tokenIn === 'query' ? { kind: 'query', token: () => token } : { kind: 'bearer', token: () => token };
  const common = { url: site, credentials, ...(opts.headers ? { headers: opts.headers } : {}) };
  const open: OpenTransport = transport === 'websocket' ? webSocketTransport({ ...common, adapter: nodeWebSocket }) : sseTransport(common);
  const events: Frame[] = [];
  let ended = false;
  let endWith: (end: TransportEnd) => void = () => {};
  const closed = new Promise<TransportEnd>((resolve) => (endWith = resolve));
  return new Promise((resolve, reject) => {
    let opened = false;
    const connection = open(opts.since ?? null, {
      onOpen() {
        opened = true;
        resolve(stream);
      },
      onEvent(event) {
        events.push(event);
        opts.onEvent?.(event);
      },
      onEnd(end) {
        ended = true;
        endWith(end);
        if (!opened) reject(Object.assign(new Error(`stream did not open: ${end.detail}`), end));
      },
    });
    const stream: FeedStream = {
      transport,
      events,
      json: () => events,
      async waitForCount(n, timeoutMs = 15_000) {
        await waitFor(`${n} events (have ${events.length})`, async () => events.length >= n, timeoutMs);
        return events;
      },
      waitUntil: (what, test, timeoutMs = 15_000) => waitFor(what, async () => (test(events) ? events : undefined), timeoutMs),
      closed,
      hasEnded: () => ended,
      close() {
        if (ended) return;
        ended = true;
        connection.close();
        endWith({ neverOpened: false, auth: null, reconnectNow: false, detail: 'closed by the test' });
      },
    };
  });
}

export interface RawSse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The response's text as it came, comments and fields unparsed. */
  raw(): string;
  ended: Promise<void>;
  /** True once the response ended or its connection closed. */
  hasEnded(): boolean;
  close(): void;
}

/** A GET of the SSE stream that keeps the response's bytes as they are, for tests of the wire itself. */
export function rawSse(url: string, opts: { token?: string; headers?: Record<string, string> } = {}): Promise<RawSse> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('error', () => {}); // a stream the gateway cuts ends like any other
      let raw = '';
      res.on('data', (chunk: string) => (raw += chunk));
      let done = false;
      const ended = new Promise<void>((r) => {
        res.on('end', () => r());
        res.on('close', () => r());
      }).then(() => {
        done = true;
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: () => raw, ended, hasEnded: () => done, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

/** The HTTP status an SSE request gets (200 when the stream opens). */
export async function sseStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const client = await rawSse(url, { headers });
  client.close();
  return client.status;
}

/**
 * Absence without a fixed wait: `postMarker` writes an event that travels the same ordered path
 * as the events under test (the same author to the same reader), and this waits for it. Whatever
 * was to arrive before it (a duplicate, a stray post) has arrived by then. Returns the events
 * that came before the marker.
 */
export async function beforeMarker(stream: FeedStream, postMarker: () => Promise<string>): Promise<Frame[]> {
  const marker = await postMarker();
  await stream.waitUntil(`the marker ${marker}`, (events) => events.some((e) => e.data?.id === marker));
  const events = [...stream.events];
  return events.slice(
    0,
    events.findIndex((e) => e.data?.id === marker),
  );
}
