// One live connection for the signed-in person, shared by the whole app: the indicator shows
// its status, the feed listens to its events, the settings page switches its transport.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { LiveConnection } from './connection.ts';
import type { LiveEvent } from './events.ts';
import { readPreference, writePreference, type TransportKind, type TransportPreference } from './preference.ts';
import { ResumeTracker } from './resume.ts';
import type { ConnectionStatus } from './status.ts';
import { createSseTransport } from './sse.ts';
import type { OpenTransport } from './transport.ts';
import { createWebSocketTransport } from './websocket.ts';

export interface Live {
  status: ConnectionStatus;
  preference: TransportPreference;
  setPreference(preference: TransportPreference): void;
  /** Listens to live events (each once, in order); returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

const idle: ConnectionStatus = { state: 'stopped', transport: null, attempt: 0 };

export const LiveContext = createContext<Live>({
  status: idle,
  preference: 'auto',
  setPreference: () => {},
  subscribe: () => () => {},
});

export function useLive(): Live {
  return useContext(LiveContext);
}

export interface LiveProviderProps {
  userId: string;
  tokenExpired(): boolean;
  onExpired(): void;
  children: ComponentChildren;
  /** Tests inject fake transports. */
  transports?: Record<TransportKind, OpenTransport>;
}

export function LiveProvider({ userId, tokenExpired, onExpired, children, transports }: LiveProviderProps) {
  const [status, setStatus] = useState<ConnectionStatus>(idle);
  const [preference, setPreferenceState] = useState<TransportPreference>(readPreference);
  const listeners = useRef(new Set<(event: LiveEvent) => void>());
  const connection = useRef<LiveConnection | null>(null);
  const callbacks = useRef({ tokenExpired, onExpired });
  callbacks.current = { tokenExpired, onExpired };

  useEffect(() => {
    const live = new LiveConnection({
      transports: transports ?? { websocket: createWebSocketTransport(), sse: createSseTransport() },
      preference: readPreference(),
      tracker: new ResumeTracker(`feed.resume.${userId}`),
      onEvent: (event) => {
        for (const listener of listeners.current) listener(event);
      },
      onStatus: setStatus,
      tokenExpired: () => callbacks.current.tokenExpired(),
      onExpired: () => callbacks.current.onExpired(),
    });
    connection.current = live;
    live.start();
    return () => {
      live.stop();
      connection.current = null;
    };
  }, [userId, transports]);

  const subscribe = useCallback((listener: (event: LiveEvent) => void) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const setPreference = useCallback((next: TransportPreference) => {
    writePreference(next);
    setPreferenceState(next);
    connection.current?.setPreference(next);
  }, []);
  const value = useMemo<Live>(() => ({ status, preference, setPreference, subscribe }), [status, preference, setPreference, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
