// Reading feed.v1 events off the wire. Both transports carry the same envelope: an id to resume
// from, a type, and REST-shaped data. Anything unexpected is dropped (null), never trusted, and
// only the contract's fields are kept.
import type { FeedEvent } from '@feed/contracts/stream';

const str = (v: unknown): v is string => typeof v === 'string';

/** Validates an event's parts; null when they do not make a feed.v1 event. */
export function toFeedEvent(id: unknown, type: unknown, data: unknown): FeedEvent | null {
  if (!str(id) || !str(type) || typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  switch (type) {
    case 'post.created':
    case 'post.updated':
      return str(d.id) && str(d.text) && str(d.author_user_id) ? { id, type, data: { id: d.id, text: d.text, author_user_id: d.author_user_id } } : null;
    case 'post.deleted':
      return str(d.id) && str(d.author_user_id) ? { id, type, data: { id: d.id, author_user_id: d.author_user_id } } : null;
    case 'friend.followed':
    case 'friend.unfollowed':
      return str(d.user_id) ? { id, type, data: { user_id: d.user_id } } : null;
    case 'feed.reset':
      return { id, type, data: { reason: str(d.reason) ? d.reason : 'reset' } };
    default:
      return null;
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A feed.v1 WebSocket text frame: `{"id","type","data"}`. */
export function parseFrame(text: string): FeedEvent | null {
  const frame = json(text);
  if (typeof frame !== 'object' || frame === null) return null;
  const { id, type, data } = frame as { id?: unknown; type?: unknown; data?: unknown };
  return toFeedEvent(id, type, data);
}

/** An SSE message, once the SSE parser has split it into id, event and data. */
export function parseSseMessage(id: string | undefined, type: string | undefined, data: string): FeedEvent | null {
  return toFeedEvent(id, type, json(data));
}
