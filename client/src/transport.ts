// A transport is a thin adapter: it opens one connection to the stream, reports the events it
// reads and how it ended. Reconnecting, backoff and resume are the client's job (client.ts).
import { CLOSE_CODE, type FeedEvent } from '@feed/contracts/stream';

export type TransportKind = 'websocket' | 'sse';

/** The stream refused the client's credentials: reconnecting with them cannot help. */
export interface AuthError {
  kind: 'auth';
  /** The HTTP status of a refused handshake or request (401, 403), when the runtime shows it. */
  status?: number;
  /** The WebSocket close code (4001), or absent. */
  code?: number;
  message: string;
}

export interface TransportEnd {
  /** The connection never opened (a blocked transport, a refused handshake, a dead server). */
  neverOpened: boolean;
  /** Set when the credentials were refused: stop, and surface it. */
  auth: AuthError | null;
  /** The server asked for a prompt reconnect, elsewhere (a draining or stopping gateway). */
  reconnectNow: boolean;
  detail: string;
  /** The WebSocket close code, when a WebSocket closed. */
  code?: number;
}

export interface TransportHandlers {
  onOpen(): void;
  onEvent(event: FeedEvent): void;
  /**
   * When set, each event's wire form is handed over as it arrives instead of being decoded:
   * a WebSocket text frame as sent, or an SSE message's data (SSE has no frames, so its
   * messages are still split). `onEvent` is then not called.
   */
  onRawFrame?(frame: string): void;
  /** Called once, whatever the reason; not called after close(). */
  onEnd(end: TransportEnd): void;
}

export interface TransportConnection {
  readonly kind: TransportKind;
  close(): void;
}

export type OpenTransport = (resumeFrom: string | null, handlers: TransportHandlers) => TransportConnection;

/** The clock the client and its transports use: injectable, so tests can drive time. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How the stream authenticates this client. */
export type Credentials =
  /** The browser sends the login cookie by itself (same origin). */
  | { kind: 'cookie' }
  /** `Authorization: Bearer` where the transport can set headers, else `?token=`. */
  | { kind: 'bearer'; token: () => string }
  /** Always `?token=`. */
  | { kind: 'query'; token: () => string };

/** What a WebSocket close code asks of the client. */
export function endOfWebSocket(code: number, reason: string, opened: boolean, refusedStatus?: number): TransportEnd {
  // Only 401 is the gateway's own word on the token; a 403 to an upgrade is as likely a proxy
  // that blocks WebSocket, so it counts as "never opened" (and auto mode tries SSE, whose
  // answer then decides).
  if (refusedStatus === 401) {
    return { neverOpened: true, auth: { kind: 'auth', status: refusedStatus, message: `handshake refused (${refusedStatus})` }, reconnectNow: false, detail: `handshake refused (${refusedStatus})` };
  }
  if (refusedStatus !== undefined) return { neverOpened: true, auth: null, reconnectNow: false, detail: `handshake refused (${refusedStatus})` };
  const detail = reason || `closed (${code})`;
  if (code === CLOSE_CODE.tokenExpired) return { neverOpened: !opened, auth: { kind: 'auth', code, message: detail }, reconnectNow: false, detail, code };
  return {
    neverOpened: !opened,
    auth: null,
    reconnectNow: opened && (code === CLOSE_CODE.drain || code === CLOSE_CODE.shutdown),
    detail: code === CLOSE_CODE.slow ? 'connection too slow: resuming' : detail,
    code,
  };
}

/** What a refused SSE request asks of the client. */
export function endOfHttp(status: number, message: string): TransportEnd {
  const detail = `HTTP ${status}${message ? `: ${message}` : ''}`;
  const auth: AuthError | null = status === 401 || status === 403 ? { kind: 'auth', status, message: message || detail } : null;
  return { neverOpened: true, auth, reconnectNow: false, detail };
}
