// What the live indicator shows: which transport, and in what state, in the page's words.
import type { FeedStatus, TransportKind } from '@feed/client';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'expired' | 'stopped';

export interface ConnectionStatus {
  state: ConnectionState;
  transport: TransportKind | null;
  /** Consecutive failed attempts (0 once live). */
  attempt: number;
  /** When the next attempt starts (ms since the epoch), while waiting to reconnect. */
  retryAt?: number;
  /** Why the last connection ended, for the tooltip. */
  detail?: string;
}

/** The stream client's status as the page tells it: open is "live"; closed on refused credentials is "expired". */
export function connectionStatus(status: FeedStatus): ConnectionStatus {
  const state: ConnectionState = status.state === 'open' ? 'live' : status.state === 'closed' ? (status.error ? 'expired' : 'stopped') : status.state;
  return {
    state,
    transport: status.transport,
    attempt: status.attempt,
    ...(status.retryAt !== undefined ? { retryAt: status.retryAt } : {}),
    ...(status.detail !== undefined ? { detail: status.detail } : {}),
  };
}

export const STATE_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  expired: 'Session expired',
  stopped: 'Not connected',
};

export const TRANSPORT_LABEL: Record<TransportKind, string> = { websocket: 'WebSocket', sse: 'SSE' };
