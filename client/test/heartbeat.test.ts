// The WebSocket transport's heartbeat watchdog, as pure logic: a fake socket and a fake clock.
// An adapter that sees the server's pings lets the client tell a silent, half-open connection
// (a peer gone without a FIN) from a quiet one: pings and frames keep it open, silence for
// longer than the timeout ends it, so the client reconnects and resumes.
import { describe, expect, it } from 'vitest';
import { webSocketTransport, type SocketHandlers, type TransportEnd, type WebSocketAdapter } from '../src/index.ts';
import { FakeClock } from './fake-clock.ts';

const TIMEOUT = 10_000;
const created = '{"id":"e1.1-0.","type":"post.created","data":{"id":"7","text":"hi","author_user_id":"3"}}';

function watched(seesPings: boolean) {
  const sockets: SocketHandlers[] = [];
  const closed: (number | undefined)[] = [];
  const adapter: WebSocketAdapter = {
    headers: true,
    seesPings,
    connect(_url, _protocol, _headers, on) {
      sockets.push(on);
      return { close: (code) => void closed.push(code) };
    },
  };
  const clock = new FakeClock();
  const ends: TransportEnd[] = [];
  const events: string[] = [];
  const open = webSocketTransport({ url: 'http://feed.test', adapter, credentials: { kind: 'bearer', token: () => 't' }, timers: clock, heartbeatTimeoutMs: TIMEOUT });
  open(null, { onOpen() {}, onEvent: (e) => events.push(e.id), onEnd: (e) => ends.push(e) });
  sockets[0]!.open('feed.v1');
  return { socket: sockets[0]!, clock, ends, events, closed };
}

describe('the WebSocket heartbeat watchdog', () => {
  it('keeps a connection that pings or sends frames, however long it lives', () => {
    const { socket, clock, ends } = watched(true);
    for (let i = 0; i < 20; i++) {
      clock.advance(TIMEOUT - 1);
      if (i % 2) socket.ping();
      else socket.message(created);
    }
    expect(ends).toEqual([]);
  });

  it('ends a connection silent for longer than the timeout, counted from its last sign of life', () => {
    const { socket, clock, ends, events, closed } = watched(true);
    clock.advance(TIMEOUT - 1);
    socket.message(created);
    clock.advance(TIMEOUT - 1);
    expect(ends).toEqual([]);
    clock.advance(1);
    expect(ends).toEqual([{ neverOpened: false, auth: null, reconnectNow: false, detail: 'no heartbeat from the server' }]);
    expect(closed).toEqual([1000]);
    // Nothing after the end reaches the client.
    socket.message(created);
    expect(events).toEqual(['e1.1-0.']);
  });

  it('watches nothing where the adapter cannot see pings (a browser WebSocket)', () => {
    const { clock, ends } = watched(false);
    clock.advance(TIMEOUT * 10);
    expect(ends).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
