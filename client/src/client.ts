// The stream client: picks a transport (WebSocket with feed.v1 first, SSE when WebSocket is
// blocked, or whichever the caller forced), reconnects with exponential backoff and full
// jitter, resumes from the last event id, skips duplicates, stops on refused credentials, and
// reports its status. One instance is one logical stream for one user.
import type { FeedEvent } from '@feed/contracts/stream';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { defaultNetwork, type NetworkWatch } from './network.ts';
import { ResumeTracker, type ResumeOptions } from './resume.ts';
import { sseTransport, type StreamFetch } from './sse.ts';
import { realTimers, type AuthError, type Credentials, type OpenTransport, type Timers, type TransportConnection, type TransportEnd, type TransportKind } from './transport.ts';
import { standardWebSocket, webSocketTransport, type WebSocketAdapter } from './websocket.ts';

export type TransportPreference = 'auto' | TransportKind;

export type FeedState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

export interface FeedStatus {
  state: FeedState;
  /** The transport in use or being tried; null while offline or closed. */
  transport: TransportKind | null;
  /** Consecutive failed attempts (0 once open). */
  attempt: number;
  /** When the next attempt starts (ms since the epoch), while reconnecting. */
  retryAt?: number;
  /** Why the last connection ended. */
  detail?: string;
  /** The WebSocket close code that ended the last connection, if one did. */
  code?: number;
  /** Closed because the stream refused the credentials (expired, revoked, invalid). */
  error?: AuthError;
}

/** The reason of the `feed.reset` the client raises itself (its id is ''), see `onEvent`. */
export const NO_POSITION = 'reconnected without a position';

export interface FeedClientOptions {
  /** The site (scheme, host, port) the stream is on; defaults to the page's own in a browser. */
  url?: string | URL;
  /** The access token (or a function giving the current one); without it the browser's login cookie is used. */
  token?: string | (() => string);
  /** Where the token goes: the Authorization header where the transport can set it (default), or always `?token=`. */
  tokenIn?: 'header' | 'query';
  /** More headers for the handshake and the SSE request, where the runtime lets them be set. */
  headers?: Record<string, string>;
  /** 'auto': WebSocket, falling back to SSE when WebSocket never opens on this client. */
  transport?: TransportPreference;
  /** The WebSocket to use: the runtime's standard one by default; `nodeWebSocket` from `@feed/client/node` on Node. */
  webSocket?: WebSocketAdapter;
  /** How the SSE transport requests and reads its stream: the runtime's `fetch` by default; `nodeStreamFetch` from `@feed/client/node` on Node. */
  fetch?: StreamFetch;
  /** Replaces the built-in transports (tests, custom transports). */
  transports?: Record<TransportKind, OpenTransport>;
  /** Where to start, and where to keep the position (e.g. sessionStorage, so a reload resumes). */
  resume?: ResumeOptions;
  /**
   * Every event once, in order. `feed.reset` means: refetch the feed. The client raises one
   * itself (id '', reason NO_POSITION) when it reconnects before it ever had a position, since
   * what came meanwhile is then only in the feed.
   */
  onEvent?(event: FeedEvent): void;
  /**
   * Takes each event undecoded, as it comes off the wire (a WebSocket text frame; an SSE
   * message's data), instead of decoding it: nothing is parsed, so events reach no listener
   * and no position is kept (a reconnect starts afresh, with the client's own `feed.reset`).
   * For tools that only count or record the stream, such as load generators, where decoding
   * every frame would make the clients rather than the server the bottleneck.
   */
  onRawFrame?(frame: string): void;
  onStatus?(status: FeedStatus): void;
  /** The credentials were refused: the client stopped. Log in again and start a new client. */
  onError?(error: AuthError): void;
  /** Checked before each attempt: a token known to be expired is not worth a connection. */
  tokenExpired?(): boolean;
  backoff?: BackoffOptions;
  network?: NetworkWatch;
  /** A connection open this long counts as healthy: the next failure starts the backoff afresh. */
  stableMs?: number;
  /** Upper bound of the random delay before reconnecting after a drain (close code 1012) or a stream the server ended. */
  drainJitterMs?: number;
  openTimeoutMs?: number;
  /** Silence for this long (no event, ping or heartbeat comment) closes the connection as dead. */
  heartbeatTimeoutMs?: number;
  timers?: Timers;
  random?: () => number;
}

function siteOf(url: string | URL | undefined): URL {
  if (url !== undefined) return new URL(url);
  if (typeof location !== 'undefined') return new URL(location.href);
  throw new Error('FeedClient needs `url` outside a browser');
}

function credentialsOf(options: FeedClientOptions): Credentials {
  const { token } = options;
  if (token === undefined) return { kind: 'cookie' };
  const current = typeof token === 'function' ? token : () => token;
  return options.tokenIn === 'query' ? { kind: 'query', token: current } : { kind: 'bearer', token: current };
}

/** The WebSocket and SSE transports a client's options describe. */
export function defaultTransports(options: FeedClientOptions): Record<TransportKind, OpenTransport> {
  const site = siteOf(options.url);
  const credentials = credentialsOf(options);
  const common = {
    url: site,
    credentials,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
    ...(options.openTimeoutMs !== undefined ? { openTimeoutMs: options.openTimeoutMs } : {}),
    ...(options.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: options.heartbeatTimeoutMs } : {}),
  };
  return {
    websocket: webSocketTransport({ ...common, adapter: options.webSocket ?? standardWebSocket() }),
    sse: sseTransport({ ...common, ...(options.fetch ? { fetch: options.fetch } : {}) }),
  };
}

export class FeedClient {
  private current: TransportConnection | null = null;
  private timer: unknown = null;
  private running = false;
  private openedAt = 0;
  /** WebSocket has opened at least once: it is not blocked here. */
  private wsWorked = false;
  /** Auto mode found WebSocket blocked and SSE working: stay on SSE. */
  private wsBlocked = false;
  private everOpen = false;
  private unwatch: (() => void) | null = null;
  private preferenceValue: TransportPreference;
  private readonly transports: Record<TransportKind, OpenTransport>;
  private readonly tracker: ResumeTracker;
  private readonly backoff: Backoff;
  private readonly network: NetworkWatch;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly listeners = new Set<(event: FeedEvent) => void>();
  private statusValue: FeedStatus = { state: 'closed', transport: null, attempt: 0 };

  constructor(private readonly options: FeedClientOptions = {}) {
    this.transports = options.transports ?? defaultTransports(options);
    this.tracker = new ResumeTracker(options.resume);
    this.preferenceValue = options.transport ?? 'auto';
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF, this.random);
    this.network = options.network ?? defaultNetwork();
    this.timers = options.timers ?? realTimers;
    if (options.onEvent) this.listeners.add(options.onEvent);
  }

  get status(): FeedStatus {
    return this.statusValue;
  }

  get preference(): TransportPreference {
    return this.preferenceValue;
  }

  /** The id the next connection resumes from (null: none yet). */
  get lastEventId(): string | null {
    return this.tracker.lastId;
  }

  /** Listens to events (each once, in order); returns the unsubscribe function. */
  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.unwatch = this.network.subscribe((online) => this.networkChanged(online));
    this.attempt();
    return this;
  }

  stop(): void {
    this.running = false;
    this.unwatch?.();
    this.unwatch = null;
    this.clearTimer();
    this.dropCurrent();
    this.setStatus({ state: 'closed', transport: null, attempt: 0 });
  }

  /** Switches transport at once, resuming where the old one was. */
  setTransport(preference: TransportPreference): void {
    this.preferenceValue = preference;
    this.wsBlocked = false;
    if (!this.running) return;
    this.clearTimer();
    this.dropCurrent();
    this.backoff.reset();
    this.attempt();
  }

  /** The transport the next attempt uses. */
  nextTransport(): TransportKind {
    if (this.preferenceValue !== 'auto') return this.preferenceValue;
    return this.wsBlocked ? 'sse' : 'websocket';
  }

  private attempt(kind: TransportKind = this.nextTransport(), fallback = false): void {
    if (!this.running) return;
    if (this.options.tokenExpired?.()) return this.refused({ kind: 'auth', message: 'the token expired' });
    if (!this.network.isOnline()) return this.setStatus({ state: 'offline', transport: null, attempt: this.backoff.attempts, detail: 'no network' });
    this.setStatus({
      state: this.everOpen || this.backoff.attempts > 0 || fallback ? 'reconnecting' : 'connecting',
      transport: kind,
      attempt: this.backoff.attempts,
    });
    const resumeFrom = this.tracker.lastId;
    const { onRawFrame } = this.options;
    const connection = this.transports[kind](resumeFrom, {
      ...(onRawFrame
        ? {
            onRawFrame: (frame: string) => {
              if (this.current === connection) onRawFrame(frame);
            },
          }
        : {}),
      onOpen: () => {
        if (this.current !== connection) return;
        this.openedAt = this.timers.now();
        const wasOpen = this.everOpen;
        this.everOpen = true;
        if (kind === 'websocket') this.wsWorked = true;
        if (kind === 'sse' && fallback) this.wsBlocked = true;
        this.setStatus({ state: 'open', transport: kind, attempt: 0 });
        if (wasOpen && resumeFrom === null) this.emit({ id: '', type: 'feed.reset', data: { reason: NO_POSITION } });
      },
      onEvent: (event) => {
        if (this.current !== connection) return;
        if (this.tracker.observe(event.id)) this.emit(event);
      },
      onEnd: (end) => {
        if (this.current !== connection) return;
        this.current = null;
        this.ended(kind, end, fallback);
      },
    });
    this.current = connection;
  }

  private emit(event: FeedEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private ended(kind: TransportKind, end: TransportEnd, wasFallback: boolean): void {
    if (!this.running) return;
    if (end.auth) return this.refused(end.auth);
    if (this.options.tokenExpired?.()) return this.refused({ kind: 'auth', message: 'the token expired' });
    // Auto mode: a WebSocket that never opened on this client may be blocked; try SSE at once.
    if (this.preferenceValue === 'auto' && kind === 'websocket' && end.neverOpened && !this.wsWorked && !wasFallback) {
      return this.attempt('sse', true);
    }
    const now = this.timers.now();
    if (!end.neverOpened && now - this.openedAt >= (this.options.stableMs ?? 5_000)) this.backoff.reset();
    // A drain asks everyone to reconnect at once: a short random pause spreads them, not the backoff.
    const delay = end.reconnectNow && !end.neverOpened ? Math.floor(this.random() * (this.options.drainJitterMs ?? 1_000)) : this.backoff.next();
    if (!this.network.isOnline()) return this.setStatus({ state: 'offline', transport: null, attempt: this.backoff.attempts, detail: end.detail });
    this.setStatus({
      state: 'reconnecting',
      transport: this.nextTransport(),
      attempt: this.backoff.attempts,
      retryAt: now + delay,
      detail: end.detail,
      ...(end.code !== undefined ? { code: end.code } : {}),
    });
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, delay);
  }

  private networkChanged(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      // The socket may not notice for a long while; show the truth now and wait for the network.
      this.clearTimer();
      this.dropCurrent();
      this.setStatus({ state: 'offline', transport: null, attempt: this.backoff.attempts, detail: 'no network' });
      return;
    }
    if (this.current) return;
    this.clearTimer();
    this.backoff.reset();
    this.attempt();
  }

  private refused(error: AuthError): void {
    this.running = false;
    this.clearTimer();
    this.dropCurrent();
    this.unwatch?.();
    this.unwatch = null;
    this.setStatus({ state: 'closed', transport: null, attempt: 0, detail: error.message, error });
    this.options.onError?.(error);
  }

  private dropCurrent(): void {
    const current = this.current;
    this.current = null;
    current?.close();
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private setStatus(status: FeedStatus): void {
    this.statusValue = status;
    this.options.onStatus?.(status);
  }
}
