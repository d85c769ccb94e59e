// One live connection for the signed-in person, shared by the whole app: the indicator shows
// its status, the feed listens to its events, the settings page switches its transport. The
// connection itself is the stream SDK's client (@feed/client), authenticated by the login cookie.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { FeedClient, type FeedEvent, type OpenTransport, type PositionStorage, type TransportKind, type TransportPreference } from '@feed/client';
import { readPreference, writePreference } from './preference.ts';
import { connectionStatus, type ConnectionStatus } from './status.ts';

export interface Live {
  status: ConnectionStatus;
  preference: TransportPreference;
  setPreference(preference: TransportPreference): void;
  /** Listens to live events (each once, in order); returns the unsubscribe function. */
  subscribe(listener: (event: FeedEvent) => void): () => void;
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

/** sessionStorage, where the browser allows it: the position survives a reload of this tab. */
function tabStorage(): PositionStorage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

export function LiveProvider({ userId, tokenExpired, onExpired, children, transports }: LiveProviderProps) {
  const [status, setStatus] = useState<ConnectionStatus>(idle);
  const [preference, setPreferenceState] = useState<TransportPreference>(readPreference);
  const listeners = useRef(new Set<(event: FeedEvent) => void>());
  const connection = useRef<FeedClient | null>(null);
  const callbacks = useRef({ tokenExpired, onExpired });
  callbacks.current = { tokenExpired, onExpired };

  useEffect(() => {
    const store = tabStorage();
    const client = new FeedClient({
      ...(transports ? { transports } : {}),
      transport: readPreference(),
      ...(store ? { resume: { storage: { key: `feed.resume.${userId}`, store } } } : {}),
      onEvent: (event) => {
        for (const listener of listeners.current) listener(event);
      },
      onStatus: (next) => setStatus(connectionStatus(next)),
      tokenExpired: () => callbacks.current.tokenExpired(),
      onError: () => callbacks.current.onExpired(),
    });
    connection.current = client;
    client.start();
    return () => {
      client.stop();
      connection.current = null;
    };
  }, [userId, transports]);

  const subscribe = useCallback((listener: (event: FeedEvent) => void) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const setPreference = useCallback((next: TransportPreference) => {
    writePreference(next);
    setPreferenceState(next);
    connection.current?.setTransport(next);
  }, []);
  const value = useMemo<Live>(() => ({ status, preference, setPreference, subscribe }), [status, preference, setPreference, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
