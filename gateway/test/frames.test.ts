// Frames on each wire, and the per-event memo behind them: an event encoded once for many
// sessions must give each the same bytes, and the next event must not get the last one's.
import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '@feed/contracts';
import { encode } from '../src/frames.ts';

const text = (frame: string | Uint8Array | null) => (frame instanceof Uint8Array ? new TextDecoder().decode(frame) : frame);
const created = (postId: string, body: string): LiveEvent => ({ type: 'post.created', postId, authorId: '7', text: body });

describe('frames', () => {
  it('sends the AsyncAPI message with its three keys, the same bytes to every session, and only for new posts', () => {
    const event = created('41', 'Привет, "мир" \\ <b>');
    const first = encode('asyncapi', event, '');
    expect(JSON.parse(text(first)!)).toEqual({ postId: '41', postText: 'Привет, "мир" \\ <b>', author_user_id: '7' });
    expect(encode('asyncapi', event, '')).toBe(first);
    expect(text(encode('asyncapi', created('42', 'next'), ''))).toBe('{"postId":"42","postText":"next","author_user_id":"7"}');
    expect(encode('asyncapi', { type: 'post.deleted', postId: '42', authorId: '7' }, '')).toBeNull();
  });

  it('gives feed.v1 and SSE frames the session’s own id around the shared data', () => {
    const event = created('43', 'line\nbreak');
    expect(JSON.parse(encode('feed.v1', event, 'e1.1-0.0') as string)).toEqual({
      id: 'e1.1-0.0',
      type: 'post.created',
      data: { id: '43', text: 'line\nbreak', author_user_id: '7' },
    });
    expect(JSON.parse(encode('feed.v1', event, 'e1.2-0.0') as string).id).toBe('e1.2-0.0');
    expect(encode('sse', event, 'e1.3-0.0')).toBe('id: e1.3-0.0\nevent: post.created\ndata: {"id":"43","text":"line\\nbreak","author_user_id":"7"}\n\n');
    const reset: LiveEvent = { type: 'feed.reset', reason: 'event log lost' };
    expect(encode('sse', reset, 'e2.0-0.0')).toBe('id: e2.0-0.0\nevent: feed.reset\ndata: {"reason":"event log lost"}\n\n');
  });
});
