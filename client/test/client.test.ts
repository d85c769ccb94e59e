// The client's reconnect logic as pure logic: fake transports and a fake clock, no network.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  Backoff,
  backoffCeiling,
  backoffDelay,
  DEFAULT_BACKOFF,
  FeedClient,
  NO_POSITION,
  type FeedEvent,
  type FeedStatus,
  type NetworkWatch,
  type OpenTransport,
  type TransportEnd,
  type TransportHandlers,
  type TransportKind,
  type TransportPreference,
} from '../src/index.ts';
import { FakeClock } from './fake-clock.ts';

interface Opened {
  kind: TransportKind;
  resumeFrom: string | null;
  handlers: TransportHandlers;
  closed: boolean;
}

function harness(transport: TransportPreference = 'auto', random = () => 0.5) {
  const clock = new FakeClock();
  const opened: Opened[] = [];
  const make =
    (kind: TransportKind): OpenTransport =>
    (resumeFrom, handlers) => {
      const o: Opened = { kind, resumeFrom, handlers, closed: false };
      opened.push(o);
      return { kind, close: () => void (o.closed = true) };
    };
  const statuses: FeedStatus[] = [];
  const events: FeedEvent[] = [];
  let online = true;
  let notify: (online: boolean) => void = () => {};
  const network: NetworkWatch = {
    isOnline: () => online,
    subscribe: (cb) => {
      notify = cb;
      return () => {};
    },
  };
  const onError = vi.fn();
  const client = new FeedClient({
    transports: { websocket: make('websocket'), sse: make('sse') },
    transport,
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onError,
    backoff: { baseMs: 1000, capMs: 30_000 },
    network,
    random,
    timers: clock,
    stableMs: 5_000,
  });
  return {
    client,
    clock,
    opened,
    statuses,
    events,
    onError,
    last: () => opened.at(-1)!,
    state: () => statuses.at(-1)!,
    setOnline(value: boolean) {
      online = value;
      notify(value);
    },
  };
}

const end = (over: Partial<TransportEnd> = {}): TransportEnd => ({ neverOpened: false, auth: null, reconnectNow: false, detail: 'gone', ...over });
const post = (id: string): FeedEvent => ({ id, type: 'post.created', data: { id, text: 't', author_user_id: '1' } });

describe('backoff with full jitter', () => {
  it('doubles the window each attempt up to the cap', () => {
    const opts = { baseMs: 500, capMs: 30_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 1000].map((a) => backoffCeiling(a, opts))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  it('draws every delay from [0, ceiling), whatever the random source says', () => {
    fc.assert(
      fc.property(fc.nat(64), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, baseMs, capMs, r) => {
        const d = backoffDelay(attempt, { baseMs, capMs }, () => r);
        return Number.isInteger(d) && d >= 0 && d < backoffCeiling(attempt, { baseMs, capMs });
      }),
    );
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000 }, () => 0.999999)).toBe(799);
  });

  it('spreads clients: many delays for one attempt are not all alike', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4, DEFAULT_BACKOFF)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('widens with each failure and starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1_000 }, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('the client waits exactly the drawn delay: within [0, ceiling) of each attempt, with the extremes of the random source', () => {
    for (const r of [0, 0.25, 0.999]) {
      const h = harness('websocket', () => r);
      h.client.start();
      h.last().handlers.onOpen();
      h.last().handlers.onEnd(end());
      for (let attempt = 0; attempt < 8; attempt++) {
        const expected = Math.floor(r * backoffCeiling(attempt, { baseMs: 1000, capMs: 30_000 }));
        const status = h.state();
        expect(status.state).toBe('reconnecting');
        expect(status.retryAt! - h.clock.now()).toBe(expected);
        const before = h.opened.length;
        if (expected > 0) {
          h.clock.advance(expected - 1);
          expect(h.opened).toHaveLength(before);
        }
        h.clock.advance(1);
        expect(h.opened).toHaveLength(before + 1);
        h.last().handlers.onEnd(end({ neverOpened: true }));
      }
    }
  });
});

describe('feed client', () => {
  it('opens a WebSocket first and reports connecting, then open', () => {
    const h = harness();
    h.client.start();
    expect(h.last().kind).toBe('websocket');
    expect(h.state()).toMatchObject({ state: 'connecting', transport: 'websocket' });
    h.last().handlers.onOpen();
    expect(h.state()).toMatchObject({ state: 'open', transport: 'websocket' });
  });

  it('falls back to SSE at once when the WebSocket never opens, and stays there', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onEnd(end({ neverOpened: true }));
    expect(h.last().kind).toBe('sse');
    expect(h.opened).toHaveLength(2);
    h.last().handlers.onOpen();
    expect(h.state()).toMatchObject({ state: 'open', transport: 'sse' });
    h.last().handlers.onEnd(end());
    expect(h.state()).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    h.clock.advance(h.state().retryAt! - h.clock.now());
    expect(h.last().kind).toBe('sse');
  });

  it('keeps WebSocket once it has worked', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end());
    h.clock.advance(500);
    h.last().handlers.onEnd(end({ neverOpened: true })); // no gateway yet
    expect(h.last().kind).toBe('websocket');
    h.clock.advance(1000);
    expect(h.last().kind).toBe('websocket');
    expect(h.opened).toHaveLength(3);
  });

  it('resumes from the last event id and skips events seen twice', () => {
    const h = harness();
    h.client.start();
    expect(h.last().resumeFrom).toBeNull();
    h.last().handlers.onOpen();
    h.last().handlers.onEvent(post('e.1'));
    h.last().handlers.onEvent(post('e.2'));
    h.last().handlers.onEnd(end({ reconnectNow: true }));
    h.clock.advance(500); // drain: a short random pause, not the backoff
    expect(h.last().resumeFrom).toBe('e.2');
    h.last().handlers.onOpen();
    h.last().handlers.onEvent(post('e.2'));
    h.last().handlers.onEvent(post('e.3'));
    expect(h.events.map((e) => e.id)).toEqual(['e.1', 'e.2', 'e.3']);
    expect(h.client.lastEventId).toBe('e.3');
  });

  it('a drain (reconnect elsewhere) reconnects within the drain jitter, before the backoff would', () => {
    const h = harness('auto', () => 0.9);
    h.client.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end({ reconnectNow: true }));
    expect(h.state().retryAt! - h.clock.now()).toBe(900); // 0.9 × 1000 ms drain jitter
    h.clock.advance(900);
    expect(h.opened).toHaveLength(2);
  });

  it('raises feed.reset itself when it reconnects without ever having had a position', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    expect(h.events).toEqual([]); // the first connection starts "now": the app just fetched
    h.last().handlers.onEnd(end());
    h.clock.runAll();
    h.last().handlers.onOpen();
    expect(h.events).toEqual([{ id: '', type: 'feed.reset', data: { reason: NO_POSITION } }]);
  });

  it('surfaces a server feed.reset as an event and resumes from its id', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEvent({ id: 'e2.9-0.0', type: 'feed.reset', data: { reason: 'event log lost' } });
    expect(h.events.map((e) => e.type)).toEqual(['feed.reset']);
    h.last().handlers.onEnd(end());
    h.clock.runAll();
    expect(h.last().resumeFrom).toBe('e2.9-0.0');
  });

  it('starts the backoff afresh after a stable connection', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end());
    h.clock.advance(500);
    h.last().handlers.onEnd(end({ neverOpened: true }));
    h.clock.advance(1000);
    h.last().handlers.onOpen();
    h.clock.advance(10_000);
    h.last().handlers.onEnd(end());
    expect(h.state().retryAt! - h.clock.now()).toBe(500);
  });

  it('stops for good and surfaces the error when the credentials are refused (4001)', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end({ auth: { kind: 'auth', code: 4001, message: 'token expired: log in again' } }));
    expect(h.state()).toMatchObject({ state: 'closed', error: { code: 4001 } });
    expect(h.onError).toHaveBeenCalledExactlyOnceWith({ kind: 'auth', code: 4001, message: 'token expired: log in again' });
    expect(h.clock.pending).toBe(0);
    h.clock.runAll();
    h.setOnline(false);
    h.setOnline(true);
    expect(h.opened).toHaveLength(1);
  });

  it('does not fall back to SSE on a refused handshake: refused is refused', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onEnd(end({ neverOpened: true, auth: { kind: 'auth', status: 401, message: 'handshake refused (401)' } }));
    expect(h.state().state).toBe('closed');
    expect(h.opened).toHaveLength(1);
  });

  it('waits while offline and reconnects as soon as the network is back', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    h.setOnline(false);
    expect(h.last().closed).toBe(true);
    expect(h.state().state).toBe('offline');
    h.clock.runAll();
    expect(h.opened).toHaveLength(1);
    h.setOnline(true);
    expect(h.opened).toHaveLength(2);
    expect(h.state().state).toBe('reconnecting');
  });

  it('uses the forced transport, and switches at once when asked', () => {
    const h = harness('sse');
    h.client.start();
    expect(h.last().kind).toBe('sse');
    h.last().handlers.onOpen();
    h.last().handlers.onEvent(post('e.7'));
    h.client.setTransport('websocket');
    expect(h.opened[0]!.closed).toBe(true);
    expect(h.last()).toMatchObject({ kind: 'websocket', resumeFrom: 'e.7' });
    // Forced WebSocket never falls back.
    h.last().handlers.onEnd(end({ neverOpened: true }));
    h.clock.runAll();
    expect(h.last().kind).toBe('websocket');
  });

  it('ignores a transport it has already replaced', () => {
    const h = harness();
    h.client.start();
    const first = h.last();
    h.client.setTransport('sse');
    first.handlers.onEvent(post('late'));
    first.handlers.onEnd(end());
    expect(h.events).toEqual([]);
    expect(h.opened).toHaveLength(2);
  });

  it('stop closes the connection and cancels the retry', () => {
    const h = harness();
    h.client.start();
    h.last().handlers.onOpen();
    h.last().handlers.onEnd(end());
    h.client.stop();
    expect(h.clock.pending).toBe(0);
    expect(h.opened).toHaveLength(1);
    expect(h.state()).toEqual({ state: 'closed', transport: null, attempt: 0 });
  });
});
