// Pure pieces of the client: reading events off the wire, what close codes and HTTP statuses
// ask of it, stream URLs, and the resume position.
import { describe, expect, it } from 'vitest';
import { endOfHttp, endOfWebSocket, parseFrame, parseSseMessage, ResumeTracker, webSocketUrl, type PositionStorage } from '../src/index.ts';

describe('reading events', () => {
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

  it('drops anything malformed or unknown, and keeps only the contract’s fields', () => {
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('null')).toBeNull();
    expect(parseFrame('{"postId":"1","postText":"x","author_user_id":"2"}')).toBeNull(); // the AsyncAPI frame
    expect(parseFrame('{"id":"1","type":"post.created","data":{"id":7}}')).toBeNull();
    expect(parseFrame('{"id":"1","type":"dialog.message","data":{}}')).toBeNull();
    expect(parseFrame('{"id":"1","type":"post.created","data":{"id":"1","text":"x","author_user_id":"2","html":"<b>"}}')?.data).toEqual({
      id: '1',
      text: 'x',
      author_user_id: '2',
    });
  });

  it('reads SSE messages once the parser split them', () => {
    expect(parseSseMessage('9', 'post.updated', '{"id":"7","text":"edited","author_user_id":"3"}')).toEqual({
      id: '9',
      type: 'post.updated',
      data: { id: '7', text: 'edited', author_user_id: '3' },
    });
    expect(parseSseMessage('9', 'post.updated', '{')).toBeNull();
    expect(parseSseMessage(undefined, 'post.deleted', '{"id":"7","author_user_id":"3"}')).toBeNull(); // no id: nothing to resume from
  });
});

describe('what the server asks of the client', () => {
  it('maps WebSocket close codes', () => {
    expect(endOfWebSocket(4001, 'token expired: log in again', true)).toMatchObject({ auth: { kind: 'auth', code: 4001 } });
    expect(endOfWebSocket(1012, 'service restart: reconnect', true)).toMatchObject({ reconnectNow: true, auth: null });
    expect(endOfWebSocket(1001, 'going away', true)).toMatchObject({ reconnectNow: true });
    expect(endOfWebSocket(4008, 'slow consumer', true)).toMatchObject({ reconnectNow: false, auth: null, neverOpened: false, detail: 'connection too slow: resuming' });
    expect(endOfWebSocket(1006, '', false)).toMatchObject({ neverOpened: true, detail: 'closed (1006)' });
  });

  it('maps refused handshakes: 401 stops, anything else (a proxy’s 403 too) is a transport that did not open', () => {
    expect(endOfWebSocket(1006, '', false, 401)).toMatchObject({ neverOpened: true, auth: { status: 401 } });
    expect(endOfWebSocket(1006, '', false, 403)).toMatchObject({ neverOpened: true, auth: null });
    expect(endOfWebSocket(1006, '', false, 503)).toMatchObject({ neverOpened: true, auth: null, reconnectNow: false });
  });

  it('maps SSE statuses', () => {
    expect(endOfHttp(401, 'token expired')).toMatchObject({ auth: { status: 401, message: 'token expired' } });
    expect(endOfHttp(403, 'cookie authentication from a foreign origin')).toMatchObject({ auth: { status: 403 } });
    expect(endOfHttp(429, 'at most 16 streams per user')).toMatchObject({ auth: null, detail: 'HTTP 429: at most 16 streams per user' });
    expect(endOfHttp(503, '')).toMatchObject({ auth: null, detail: 'HTTP 503' });
  });

  it('builds stream URLs with the resume parameter', () => {
    expect(webSocketUrl('https://feed.example/people', 'e1.2-0.').toString()).toBe('wss://feed.example/post/feed/posted?since=e1.2-0.');
    expect(webSocketUrl('http://127.0.0.1:8080/', null).toString()).toBe('ws://127.0.0.1:8080/post/feed/posted');
  });
});

function memoryStorage(): PositionStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('resume position', () => {
  it('starts fresh (or from a given id), then remembers the last event id', () => {
    expect(new ResumeTracker().lastId).toBeNull();
    expect(new ResumeTracker({ from: 'x' }).lastId).toBe('x');
    const t = new ResumeTracker();
    expect(t.observe('e1.1-0.')).toBe(true);
    expect(t.observe('e1.2-0.')).toBe(true);
    expect(t.lastId).toBe('e1.2-0.');
  });

  it('reports an event seen before, and does not move back to it', () => {
    const t = new ResumeTracker();
    t.observe('a');
    t.observe('b');
    expect(t.observe('a')).toBe(false);
    expect(t.lastId).toBe('b');
  });

  it('keeps the position in a storage, so a new client (a reload) resumes', () => {
    const store = memoryStorage();
    new ResumeTracker({ storage: { key: 'feed.resume.42', store } }).observe('e9.5-0.');
    expect(new ResumeTracker({ storage: { key: 'feed.resume.42', store } }).lastId).toBe('e9.5-0.');
    expect(new ResumeTracker({ storage: { key: 'feed.resume.43', store } }).lastId).toBeNull();
  });

  it('clear forgets the position and the seen ids', () => {
    const store = memoryStorage();
    const t = new ResumeTracker({ storage: { key: 'k', store } });
    t.observe('x');
    t.clear();
    expect(t.lastId).toBeNull();
    expect(store.data.has('k')).toBe(false);
    expect(t.observe('x')).toBe(true);
  });

  it('remembers a bounded number of ids', () => {
    const t = new ResumeTracker();
    for (let i = 0; i < 2000; i++) t.observe(`id${i}`);
    expect(t.observe('id1999')).toBe(false);
    expect(t.observe('id0')).toBe(true); // long forgotten: bounded memory
  });
});
