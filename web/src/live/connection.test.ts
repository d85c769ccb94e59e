import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff } from './backoff.ts';
import { LiveConnection, type NetworkWatch } from './connection.ts';
import type { LiveEvent } from './events.ts';
import type { TransportKind, TransportPreference } from './preference.ts';
import { ResumeTracker } from './resume.ts';
import type { ConnectionStatus } from './status.ts';
import type { OpenTransport, TransportEnd, TransportHandlers } from './transport.ts';

interface Opened {
  kind: TransportKind;
  resumeFrom: string | null;
  handlers: TransportHandlers;
  closed: boolean;
}

function harness(preference: TransportPreference = 'auto') {
  const opened: Opened[] = [];
  const make =
    (kind: TransportKind): OpenTransport =>
    (resumeFrom, handlers) => {
      const o: Opened = { kind, resumeFrom, handlers, closed: false };
      opened.push(o);
      return { kind, close: () => void (o.closed = true) };
    };
  const statuses: ConnectionStatus[] = [];
  const events: LiveEvent[] = [];
  let online = true;
  let notify: (online: boolean) => void = () => {};
  const network: NetworkWatch = {
    isOnline: () => online,
    subscribe: (cb) => {
      notify = cb;
      return () => {};
    },
  };
  const onExpired = vi.fn();
  const conn = new LiveConnection({
    transports: { websocket: make('websocket'), sse: make('sse') },
    preference,
    tracker: new ResumeTracker(),
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onExpired,
    backoff: new Backoff({ baseMs: 1000, capMs: 30_000 }, () => 0.5),
    network,
    random: () => 0.5,
    stableMs: 5_000,
  });
  return {
    conn,
    opened,
    statuses,
    events,
    onExpired,
    last: () => opened.at(-1)!,
    state: () => statuses.at(-1)!,
    setOnline(value: boolean) {
      online = value;
      notify(value);
    },
  };
}

const end = (over: Partial<TransportEnd> = {}): TransportEnd => ({ neverOpened: false, expired: false, reconnectNow: false, detail: 'gone', ...over });
const post = (id: string): LiveEvent => ({ id, type: 'post.created', data: { id, text: 't', author_user_id: '1' } });

describe('live connection', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('opens a WebSocket first and reports connecting, then live', () => {
    const h = harness();
    h.conn.start();
    expect(h.last().kind).toBe('websocket');
    expect(h.state()).toMatchObject({ state: 'connecting', transport: 'websocket' });
    h.last().handlers.onOpen();
    expect(h.state()).toMatchObject({ state: 'live', transport: 'websocket' });
  });

  it('falls back to SSE at once when the WebSocket never opens, and stays there', () => {
    const h = harness();
    h.conn.start();
    h.last().handlers.onEnd(end({ neverOpened: true }));
    expect(h.last().kind).toBe('sse');
    expect(h.opened).toHaveLength(2);
    h.last().handlers.onOpen();
    expect(h.state()).toMatchObject({ state: 'live', transport: 'sse' });
    h.last().handlers.onEnd(end());
    expect(h.state()).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    vi.runOnlyPendingTimers();
    expect(h.last().kind).toBe('sse');
  });

  it('keeps WebSocket once it has worked, reconnecting with growing, jittered delays', () => {
    const h = harness();
    h.conn.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end()); // the gateway died
    expect(h.state()).toMatchObject({ state: 'reconnecting', transport: 'websocket' });
    vi.advanceTimersByTime(499);
    expect(h.opened).toHaveLength(1);
    vi.advanceTimersByTime(1); // 0.5 × 1000
    expect(h.opened).toHaveLength(2);
    h.last().handlers.onEnd(end({ neverOpened: true })); // HAProxy has no gateway yet
    expect(h.last().kind).toBe('websocket');
    vi.advanceTimersByTime(999);
    expect(h.opened).toHaveLength(2);
    vi.advanceTimersByTime(1); // 0.5 × 2000
    expect(h.opened).toHaveLength(3);
    expect(h.last().kind).toBe('websocket');
    h.last().handlers.onOpen();
    expect(h.state().state).toBe('live');
  });

  it('resumes from the last event id and skips events seen twice', () => {
    const h = harness();
    h.conn.start();
    expect(h.last().resumeFrom).toBeNull();
    h.last().handlers.onOpen();
    h.last().handlers.onEvent(post('e.1'));
    h.last().handlers.onEvent(post('e.2'));
    h.last().handlers.onEnd(end({ reconnectNow: true }));
    vi.advanceTimersByTime(500); // drain: a short random pause
    expect(h.last().resumeFrom).toBe('e.2');
    h.last().handlers.onOpen();
    h.last().handlers.onEvent(post('e.2'));
    h.last().handlers.onEvent(post('e.3'));
    expect(h.events.map((e) => e.id)).toEqual(['e.1', 'e.2', 'e.3']);
  });

  it('starts the backoff afresh after a stable connection', () => {
    const h = harness();
    h.conn.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end());
    vi.advanceTimersByTime(500);
    h.last().handlers.onEnd(end({ neverOpened: true }));
    vi.advanceTimersByTime(1000);
    h.last().handlers.onOpen();
    vi.advanceTimersByTime(10_000);
    h.last().handlers.onEnd(end());
    expect(h.state().retryAt! - Date.now()).toBe(500);
  });

  it('stops and asks to log in again when the token expired (4001)', () => {
    const h = harness();
    h.conn.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end({ expired: true }));
    expect(h.state().state).toBe('expired');
    expect(h.onExpired).toHaveBeenCalledOnce();
    vi.runAllTimers();
    expect(h.opened).toHaveLength(1);
  });

  it('waits while offline and reconnects as soon as the network is back', () => {
    const h = harness();
    h.conn.start();
    h.last().handlers.onOpen();
    h.setOnline(false);
    expect(h.last().closed).toBe(true);
    expect(h.state().state).toBe('offline');
    vi.runAllTimers();
    expect(h.opened).toHaveLength(1);
    h.setOnline(true);
    expect(h.opened).toHaveLength(2);
    expect(h.state().state).toBe('reconnecting');
  });

  it('uses the forced transport, and switches at once when the setting changes', () => {
    const h = harness('sse');
    h.conn.start();
    expect(h.last().kind).toBe('sse');
    h.last().handlers.onOpen();
    h.last().handlers.onEvent(post('e.7'));
    h.conn.setPreference('websocket');
    expect(h.opened[0]!.closed).toBe(true);
    expect(h.last()).toMatchObject({ kind: 'websocket', resumeFrom: 'e.7' });
    // Forced WebSocket never falls back.
    h.last().handlers.onEnd(end({ neverOpened: true }));
    vi.runOnlyPendingTimers();
    expect(h.last().kind).toBe('websocket');
  });

  it('ignores a transport it has already replaced', () => {
    const h = harness();
    h.conn.start();
    const first = h.last();
    h.conn.setPreference('sse');
    first.handlers.onEvent(post('late'));
    first.handlers.onEnd(end());
    expect(h.events).toEqual([]);
    expect(h.opened).toHaveLength(2);
  });

  it('stop closes the connection and cancels the retry', () => {
    const h = harness();
    h.conn.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end());
    h.conn.stop();
    vi.runAllTimers();
    expect(h.opened).toHaveLength(1);
    expect(h.state().state).toBe('stopped');
  });
});
