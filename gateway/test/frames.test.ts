// Frames on each wire, and the per-event memo behind them: an event encoded once for many
// sessions must give each the same bytes, and the next event must not get the last one's.
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import type { LiveEvent } from '@feed/contracts';
import otusAsyncApi from '@feed/contracts/otus/asyncapi.json' with { type: 'json' };
import { encode } from '../src/frames.ts';

/** The vendored AsyncAPI message payload, made strict: no key beyond the three it lists. */
function asyncApiMessage() {
  const doc = structuredClone(otusAsyncApi) as typeof otusAsyncApi & { components: { messages: { Post: { payload: Record<string, unknown> } } } };
  doc.components.messages.Post.payload.additionalProperties = false;
  // Only the components are JSON Schema (the document's own `id` is AsyncAPI's, not a schema id);
  // their `example` and `messageId` keywords are not, so strict mode is off.
  const ajv = new Ajv({ strict: false });
  ajv.addSchema({ $id: 'asyncapi', components: doc.components });
  return ajv.compile({ $ref: 'asyncapi#/components/messages/Post/payload' });
}

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

  it('the AsyncAPI frame validates against the vendored contract message', () => {
    const validate = asyncApiMessage();
    const frame = JSON.parse(text(encode('asyncapi', created('44', 'Привет'), ''))!);
    expect(validate(frame), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...frame, extra: 1 })).toBe(false);
    expect(validate({ ...frame, postId: 44 })).toBe(false);
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
