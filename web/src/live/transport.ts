// A transport is a thin adapter: open one connection to the stream, report events and how it
// ended. Reconnecting, backoff and resume are the connection's job, not the transport's.
import type { LiveEvent } from './events.ts';
import type { TransportKind } from './preference.ts';

export const STREAM_PATH = '/post/feed/posted';

export interface TransportEnd {
  /** The connection never opened (a blocked transport, a refused handshake, a dead server). */
  neverOpened: boolean;
  /** The token is no longer accepted: log in again rather than retry. */
  expired: boolean;
  /** The server asked for a prompt reconnect elsewhere (drain). */
  reconnectNow: boolean;
  detail: string;
}

export interface TransportHandlers {
  onOpen(): void;
  onEvent(event: LiveEvent): void;
  /** Called once, whatever the reason; not called after close(). */
  onEnd(end: TransportEnd): void;
}

export interface TransportConnection {
  readonly kind: TransportKind;
  close(): void;
}

export type OpenTransport = (resumeFrom: string | null, handlers: TransportHandlers) => TransportConnection;
