// Raw frames: a client given `onRawFrame` takes each event's wire form as it arrives and
// decodes nothing, on both transports; without it the same frames are decoded as usual.
import { describe, expect, it } from 'vitest';
import { FeedClient, sseTransport, webSocketTransport, type FeedEvent, type SocketHandlers, type TransportEnd, type TransportHandlers, type WebSocketAdapter } from '../src/index.ts';
import { FakeClock } from './fake-clock.ts';

const created = '{"id":"e1.1-0.","type":"post.created","data":{"id":"7","text":"hi","author_user_id":"3"}}';
const asyncApi = '{"postId":"7","postText":"hi","author_user_id":"3"}'; // no feed.v1 event

/** A WebSocket adapter whose sockets the test drives. */
function fakeSockets() {
  const sockets: SocketHandlers[] = [];
  const adapter: WebSocketAdapter = {
    headers: true,
    seesPings: true,
    connect(_url, _protocol, _headers, on) {
      sockets.push(on);
      return { close() {} };
    },
  };
  return { adapter, sockets };
}

function recorder(raw: boolean) {
  const frames: string[] = [];
  const events: FeedEvent[] = [];
  const ends: TransportEnd[] = [];
  const handlers: TransportHandlers = {
    onOpen() {},
    onEvent: (e) => events.push(e),
    onEnd: (e) => ends.push(e),
    ...(raw ? { onRawFrame: (f: string) => frames.push(f) } : {}),
  };
  return { handlers, frames, events, ends };
}

function sseResponse(body: string): typeof fetch {
  return async () =>
    new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body));
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
}

describe('raw frames', () => {
  it('WebSocket: hands over every text frame as sent, decoding none, and still ends as usual', () => {
    const { adapter, sockets } = fakeSockets();
    const open = webSocketTransport({ url: 'http://feed.test', adapter, credentials: { kind: 'bearer', token: () => 't' }, timers: new FakeClock() });
    const raw = recorder(true);
    open(null, raw.handlers);
    sockets[0]!.open('feed.v1');
    sockets[0]!.message(created);
    sockets[0]!.message(asyncApi);
    sockets[0]!.close(4001, 'token expired');
    expect(raw.frames).toEqual([created, asyncApi]);
    expect(raw.events).toEqual([]);
    expect(raw.ends).toMatchObject([{ auth: { code: 4001 } }]);

    const decoded = recorder(false);
    open(null, decoded.handlers);
    sockets[1]!.open('feed.v1');
    sockets[1]!.message(created);
    sockets[1]!.message(asyncApi);
    expect(decoded.events).toMatchObject([{ id: 'e1.1-0.', type: 'post.created' }]);
  });

  it('SSE: hands over each message’s data; comments are no frames, and a refusal still stops it', async () => {
    const body = `: heartbeat\n\nid: e1.1-0.\nevent: post.created\ndata: ${created}\n\nid: e1.2-0.\nevent: post.created\ndata: not json\n\nevent: error\ndata: {"reason":"token expired"}\n\n`;
    const raw = recorder(true);
    sseTransport({ url: 'http://feed.test', credentials: { kind: 'bearer', token: () => 't' }, fetch: sseResponse(body) })(null, raw.handlers);
    await expect.poll(() => raw.ends).toHaveLength(1);
    expect(raw.frames).toEqual([created, 'not json']);
    expect(raw.events).toEqual([]);
    expect(raw.ends[0]).toMatchObject({ auth: { message: 'token expired' } });
  });

  it('the client passes its connection’s raw frames to onRawFrame, emits no event and keeps no position', () => {
    const { adapter, sockets } = fakeSockets();
    const clock = new FakeClock();
    const frames: string[] = [];
    const events: FeedEvent[] = [];
    const client = new FeedClient({ url: 'http://feed.test', token: 't', transport: 'websocket', webSocket: adapter, timers: clock, random: () => 0, onRawFrame: (f) => frames.push(f), onEvent: (e) => events.push(e) }).start();
    sockets[0]!.open('feed.v1');
    sockets[0]!.message(created);
    expect(frames).toEqual([created]);
    expect(client.lastEventId).toBeNull();
    // A reconnect starts afresh: the client says so with its own feed.reset, as any client without a position.
    sockets[0]!.close(1012, 'service restart');
    clock.advance(1_000);
    sockets[1]!.open('feed.v1');
    sockets[1]!.message(asyncApi);
    sockets[0]!.message(created); // the connection it replaced
    expect(frames).toEqual([created, asyncApi]);
    expect(events.map((e) => e.type)).toEqual(['feed.reset']);
    client.stop();
  });
});
