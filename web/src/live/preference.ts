// Which transport to use: automatic (WebSocket, falling back to SSE), or forced. Persisted in
// localStorage so it survives reloads.
import type { TransportPreference } from '@feed/client';

const KEY = 'feed.transport';
const VALUES: readonly TransportPreference[] = ['auto', 'websocket', 'sse'];

export function readPreference(): TransportPreference {
  try {
    const value = localStorage.getItem(KEY);
    return VALUES.includes(value as TransportPreference) ? (value as TransportPreference) : 'auto';
  } catch {
    return 'auto';
  }
}

export function writePreference(value: TransportPreference): void {
  try {
    if (value === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, value);
  } catch {
    // Not persisted; the choice still applies to this page.
  }
}
