import { describe, expect, it } from 'vitest';
import { parseFrame, parseSse } from './events.ts';
import { endFromClose, streamUrl } from './websocket.ts';

describe('live event parsing', () => {
  it('reads feed.v1 envelopes of every type', () => {
    expect(parseFrame('{"id":"1","type":"post.created","data":{"id":"7","text":"hi","author_user_id":"3"}}')).toEqual({
      id: '1',
      type: 'post.created',
      data: { id: '7', text: 'hi', author_user_id: '3' },
    });
    expect(parseFrame('{"id":"2","type":"post.deleted","data":{"id":"7","author_user_id":"3"}}')?.type).toBe('post.deleted');
    expect(parseFrame('{"id":"3","type":"friend.followed","data":{"user_id":"3"}}')?.type).toBe('friend.followed');
    expect(parseFrame('{"id":"4","type":"feed.reset","data":{"reason":"gap"}}')).toEqual({ id: '4', type: 'feed.reset', data: { reason: 'gap' } });
  });

  it('drops anything malformed or unknown', () => {
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('{"postId":"1","postText":"x","author_user_id":"2"}')).toBeNull(); // the AsyncAPI frame
    expect(parseFrame('{"id":"1","type":"post.created","data":{"id":7}}')).toBeNull();
    expect(parseFrame('{"id":"1","type":"dialog.message","data":{}}')).toBeNull();
    expect(parseFrame('{"id":"1","type":"post.created","data":{"id":"1","text":"x","author_user_id":"2","html":"<b>"}}')?.data).toEqual({
      id: '1',
      text: 'x',
      author_user_id: '2',
    });
  });

  it('reads SSE messages', () => {
    expect(parseSse('9', 'post.updated', '{"id":"7","text":"edited","author_user_id":"3"}')).toEqual({
      id: '9',
      type: 'post.updated',
      data: { id: '7', text: 'edited', author_user_id: '3' },
    });
    expect(parseSse('9', 'post.updated', '{')).toBeNull();
  });
});

describe('WebSocket close codes', () => {
  it('maps the gateway codes to what the client does', () => {
    expect(endFromClose(4001, 'token expired: log in again', true)).toMatchObject({ expired: true });
    expect(endFromClose(1012, 'service restart: reconnect', true)).toMatchObject({ reconnectNow: true, expired: false });
    expect(endFromClose(4008, 'slow consumer', true)).toMatchObject({ reconnectNow: false, expired: false, neverOpened: false });
    expect(endFromClose(1006, '', false)).toMatchObject({ neverOpened: true, detail: 'closed (1006)' });
  });

  it('builds stream URLs with the resume parameter', () => {
    const base = new URL('https://feed.example/people');
    expect(streamUrl(base, 'ws', 'since', 'e1.2-0.')).toBe('wss://feed.example/post/feed/posted?since=e1.2-0.');
    expect(streamUrl(new URL('http://127.0.0.1:8080/'), 'http', 'lastEventId', null)).toBe('http://127.0.0.1:8080/post/feed/posted');
  });
});
