// What the live indicator shows: which transport, and in what state.
import type { TransportKind } from './preference.ts';

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

export const STATE_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  expired: 'Session expired',
  stopped: 'Not connected',
};

export const TRANSPORT_LABEL: Record<TransportKind, string> = { websocket: 'WebSocket', sse: 'SSE' };
