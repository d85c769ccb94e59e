// feed.v1 over WebSocket: subprotocol `feed.v1`, resume with `?since=<id>`. The socket itself
// comes from an adapter, so one transport serves every runtime: the standard WebSocket of
// browsers, Deno and Node 22+, or the `ws` package on Node (`@feed/client/node`), which can
// also send an Authorization header and sees the gateway's pings.
import { FEED_V1, HEARTBEAT_MS, RESUME, STREAM_PATH, TOKEN_PARAM } from '@feed/contracts/stream';
import { parseFrame } from './events.ts';
import { endOfWebSocket, realTimers, type Credentials, type OpenTransport, type Timers, type TransportEnd } from './transport.ts';

/** What an adapter reports about one socket. */
export interface SocketHandlers {
  open(protocol: string): void;
  message(text: string): void;
  /** The server pinged: the connection is alive (only adapters with `seesPings` call it). */
  ping(): void;
  /** `refusedStatus`: the HTTP status of a refused handshake, where the runtime shows it. */
  close(code: number, reason: string, refusedStatus?: number): void;
}

export interface WebSocketAdapter {
  /** Whether the handshake can carry headers (Authorization); if not, the token goes in the URL. */
  readonly headers: boolean;
  /** Whether `ping()` is called for the server's pings, so a silent connection can be told dead. */
  readonly seesPings: boolean;
  connect(url: string, protocol: string, headers: Record<string, string>, on: SocketHandlers): { close(code?: number): void };
}

/** The constructor of a standard (WHATWG) WebSocket. */
export type StandardWebSocket = new (url: string, protocols?: string | string[]) => WebSocket;

/**
 * An adapter over a standard WebSocket. Browsers cannot set handshake headers; Deno and Node's
 * built-in WebSocket take them in an options object instead of the protocol list, which is what
 * `withHeaders` says the constructor accepts.
 */
export function standardWebSocket(Socket: StandardWebSocket | undefined = globalThis.WebSocket, options: { withHeaders?: boolean } = {}): WebSocketAdapter {
  const withHeaders = options.withHeaders ?? false;
  return {
    headers: withHeaders,
    seesPings: false,
    connect(url, protocol, headers, on) {
      if (!Socket) throw new Error('this runtime has no WebSocket: on Node 20 use nodeWebSocket from @feed/client/node');
      const init = withHeaders && Object.keys(headers).length > 0 ? { protocols: [protocol], headers } : [protocol];
      // The options form is not in the DOM typings: Reflect.construct passes it as it is.
      const ws: WebSocket = Reflect.construct(Socket, [url, init]);
      ws.onopen = () => on.open(ws.protocol);
      ws.onmessage = (message) => {
        if (typeof message.data === 'string') on.message(message.data);
      };
      // `error` is always followed by `close`, which carries the code.
      ws.onclose = (event) => on.close(event.code, event.reason);
      return {
        close(code = 1000) {
          ws.onopen = ws.onmessage = ws.onclose = null;
          ws.close(code);
        },
      };
    },
  };
}

export interface WebSocketTransportOptions {
  /** The site the stream is on (http(s) or ws(s) scheme); the stream is at STREAM_PATH. */
  url: string | URL;
  adapter: WebSocketAdapter;
  credentials: Credentials;
  /** More handshake headers (a User-Agent, say), where the adapter can set headers. */
  headers?: Record<string, string>;
  /** A handshake that has not completed by then is abandoned (a proxy that swallows upgrades). */
  openTimeoutMs?: number;
  /** With an adapter that sees pings: no ping or frame for this long means the connection is dead. */
  heartbeatTimeoutMs?: number;
  timers?: Timers;
}

/** The stream's WebSocket URL for a site and an optional resume id. */
export function webSocketUrl(site: string | URL, resumeFrom: string | null): URL {
  const url = new URL(STREAM_PATH, site);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  if (resumeFrom) url.searchParams.set(RESUME.webSocketParam, resumeFrom);
  return url;
}

export function webSocketTransport(options: WebSocketTransportOptions): OpenTransport {
  const timers = options.timers ?? realTimers;
  const { adapter, credentials } = options;
  return (resumeFrom, handlers) => {
    const url = webSocketUrl(options.url, resumeFrom);
    const headers: Record<string, string> = adapter.headers ? { ...options.headers } : {};
    if (credentials.kind === 'bearer' && adapter.headers) headers.authorization = `Bearer ${credentials.token()}`;
    else if (credentials.kind !== 'cookie') url.searchParams.set(TOKEN_PARAM, credentials.token());

    let opened = false;
    let finished = false;
    let watchdog: unknown;
    const finish = (end: TransportEnd) => {
      if (finished) return;
      finished = true;
      timers.clearTimeout(openTimer);
      timers.clearTimeout(watchdog);
      handlers.onEnd(end);
    };
    const fail = (detail: string) => {
      finish({ neverOpened: !opened, auth: null, reconnectNow: false, detail });
      socket?.close(1000);
    };
    // Pings come once per period per connection: silence for well over one means a dead peer.
    // A sign of life only notes the time, so a frame costs no timer; the one timer, when due,
    // looks at how long the connection has been quiet, and sleeps again for the rest.
    const heartbeatMs = options.heartbeatTimeoutMs ?? HEARTBEAT_MS.webSocketPing * 2 + 5_000;
    let lastSign = 0;
    const watch = (ms: number) => {
      watchdog = timers.setTimeout(() => {
        watchdog = undefined;
        const quiet = timers.now() - lastSign;
        if (quiet >= heartbeatMs) fail('no heartbeat from the server');
        else watch(heartbeatMs - quiet);
      }, ms);
    };
    const alive = () => {
      if (!adapter.seesPings || finished) return;
      lastSign = timers.now();
      if (watchdog === undefined) watch(heartbeatMs);
    };
    const openTimer = timers.setTimeout(() => {
      if (!opened) fail('WebSocket handshake timed out');
    }, options.openTimeoutMs ?? 8_000);

    let socket: { close(code?: number): void } | undefined;
    try {
      socket = adapter.connect(url.toString(), FEED_V1, headers, {
        open(protocol) {
          if (finished) return;
          if (protocol !== FEED_V1) return fail('the server does not speak feed.v1');
          opened = true;
          timers.clearTimeout(openTimer);
          alive();
          handlers.onOpen();
        },
        message(text) {
          if (finished) return;
          alive();
          if (handlers.onRawFrame) return handlers.onRawFrame(text);
          const event = parseFrame(text);
          if (event) handlers.onEvent(event);
        },
        ping: alive,
        close(code, reason, refusedStatus) {
          finish(endOfWebSocket(code, reason, opened, refusedStatus));
        },
      });
    } catch (err) {
      // Refused before any traffic (a blocked port, a content policy, no WebSocket at all).
      const detail = `WebSocket unavailable: ${(err as Error).message}`;
      queueMicrotask(() => finish({ neverOpened: true, auth: null, reconnectNow: false, detail }));
    }

    return {
      kind: 'websocket',
      close() {
        finished = true;
        timers.clearTimeout(openTimer);
        timers.clearTimeout(watchdog);
        socket?.close(1000);
      },
    };
  };
}
