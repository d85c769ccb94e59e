// The live connection: picks a transport (WebSocket with feed.v1 first, SSE when WebSocket is
// blocked, or whichever the person forced), reconnects with exponential backoff and full
// jitter, resumes from the last event id, skips duplicates, and reports its status.
import { Backoff } from './backoff.ts';
import type { LiveEvent } from './events.ts';
import type { TransportKind, TransportPreference } from './preference.ts';
import type { ResumeTracker } from './resume.ts';
import type { ConnectionStatus } from './status.ts';
import type { OpenTransport, TransportConnection, TransportEnd } from './transport.ts';

export interface NetworkWatch {
  isOnline(): boolean;
  /** Calls back on every change; returns the unsubscribe function. */
  subscribe(onChange: (online: boolean) => void): () => void;
}

export const browserNetwork: NetworkWatch = {
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
  subscribe(onChange) {
    const up = () => onChange(true);
    const down = () => onChange(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  },
};

export interface LiveConnectionOptions {
  transports: Record<TransportKind, OpenTransport>;
  preference: TransportPreference;
  tracker: ResumeTracker;
  onEvent(event: LiveEvent): void;
  onStatus(status: ConnectionStatus): void;
  /** The token is no longer accepted: the app should ask to log in again. */
  onExpired?(): void;
  /** Checked before each attempt: a token known to be expired is not worth a connection. */
  tokenExpired?(): boolean;
  backoff?: Backoff;
  network?: NetworkWatch;
  /** A connection open this long counts as healthy: the next failure starts the backoff afresh. */
  stableMs?: number;
  /** Upper bound of the random delay before reconnecting after a drain (close code 1012). */
  drainJitterMs?: number;
  now?: () => number;
  random?: () => number;
}

export class LiveConnection {
  private current: TransportConnection | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private openedAt = 0;
  /** WebSocket has opened at least once on this page: it is not blocked here. */
  private wsWorked = false;
  /** Auto mode found WebSocket blocked and SSE working: stay on SSE for this page. */
  private wsBlocked = false;
  private everLive = false;
  private unwatch: (() => void) | null = null;
  private readonly backoff: Backoff;
  private readonly network: NetworkWatch;
  private readonly now: () => number;
  private readonly random: () => number;
  private statusValue: ConnectionStatus = { state: 'stopped', transport: null, attempt: 0 };

  constructor(private readonly options: LiveConnectionOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.network = options.network ?? browserNetwork;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  get preference(): TransportPreference {
    return this.options.preference;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unwatch = this.network.subscribe((online) => this.networkChanged(online));
    this.attempt();
  }

  stop(): void {
    this.running = false;
    this.unwatch?.();
    this.unwatch = null;
    this.clearTimer();
    this.dropCurrent();
    this.setStatus({ state: 'stopped', transport: null, attempt: 0 });
  }

  /** Switches transport at once (a setting changed), resuming where the old one was. */
  setPreference(preference: TransportPreference): void {
    this.options.preference = preference;
    this.wsBlocked = false;
    if (!this.running) return;
    this.clearTimer();
    this.dropCurrent();
    this.backoff.reset();
    this.attempt();
  }

  /** The transport the next attempt uses. */
  nextTransport(): TransportKind {
    const { preference } = this.options;
    if (preference !== 'auto') return preference;
    return this.wsBlocked ? 'sse' : 'websocket';
  }

  private attempt(kind: TransportKind = this.nextTransport(), fallback = false): void {
    if (!this.running) return;
    if (this.options.tokenExpired?.()) return this.expired('your session expired');
    if (!this.network.isOnline()) return this.setStatus({ state: 'offline', transport: null, attempt: this.backoff.attempts, detail: 'no network' });
    this.setStatus({
      state: this.everLive || this.backoff.attempts > 0 || fallback ? 'reconnecting' : 'connecting',
      transport: kind,
      attempt: this.backoff.attempts,
    });
    const connection = this.options.transports[kind](this.options.tracker.lastId, {
      onOpen: () => {
        if (this.current !== connection) return;
        this.openedAt = this.now();
        this.everLive = true;
        if (kind === 'websocket') this.wsWorked = true;
        if (kind === 'sse' && fallback) this.wsBlocked = true;
        this.setStatus({ state: 'live', transport: kind, attempt: 0 });
      },
      onEvent: (event) => {
        if (this.current !== connection) return;
        if (this.options.tracker.observe(event.id)) this.options.onEvent(event);
      },
      onEnd: (end) => {
        if (this.current !== connection) return;
        this.current = null;
        this.ended(kind, end, fallback);
      },
    });
    this.current = connection;
  }

  private ended(kind: TransportKind, end: TransportEnd, wasFallback: boolean): void {
    if (!this.running) return;
    if (end.expired || this.options.tokenExpired?.()) return this.expired(end.detail);
    // Auto mode: a WebSocket that never opened on this page may be blocked; try SSE at once.
    if (this.options.preference === 'auto' && kind === 'websocket' && end.neverOpened && !this.wsWorked && !wasFallback) {
      return this.attempt('sse', true);
    }
    if (!end.neverOpened && this.now() - this.openedAt >= (this.options.stableMs ?? 5_000)) this.backoff.reset();
    const delay = end.reconnectNow && !end.neverOpened ? Math.floor(this.random() * (this.options.drainJitterMs ?? 1_000)) : this.backoff.next();
    if (!this.network.isOnline()) return this.setStatus({ state: 'offline', transport: null, attempt: this.backoff.attempts, detail: end.detail });
    const next = this.nextTransport();
    this.setStatus({ state: 'reconnecting', transport: next, attempt: this.backoff.attempts, retryAt: this.now() + delay, detail: end.detail });
    this.timer = setTimeout(() => {
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

  private expired(detail: string): void {
    this.running = false;
    this.clearTimer();
    this.dropCurrent();
    this.unwatch?.();
    this.unwatch = null;
    this.setStatus({ state: 'expired', transport: null, attempt: 0, detail });
    this.options.onExpired?.();
  }

  private dropCurrent(): void {
    const current = this.current;
    this.current = null;
    current?.close();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private setStatus(status: ConnectionStatus): void {
    this.statusValue = status;
    this.options.onStatus(status);
  }
}
