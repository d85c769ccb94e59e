// The feed.v1 protocol's events, as both transports deliver them: an id to resume from, a type,
// and REST-shaped data. WebSocket frames are `{id, type, data}`; SSE has `id:`, `event:`, `data:`.

export type LiveEvent =
  | { id: string; type: 'post.created' | 'post.updated'; data: { id: string; text: string; author_user_id: string } }
  | { id: string; type: 'post.deleted'; data: { id: string; author_user_id: string } }
  | { id: string; type: 'friend.followed' | 'friend.unfollowed'; data: { user_id: string } }
  | { id: string; type: 'feed.reset'; data: { reason: string } };

export type LiveEventType = LiveEvent['type'];

export const EVENT_TYPES: readonly LiveEventType[] = ['post.created', 'post.updated', 'post.deleted', 'friend.followed', 'friend.unfollowed', 'feed.reset'];

const str = (v: unknown): v is string => typeof v === 'string';

/** Validates an event from the wire; anything unexpected is dropped (null), never trusted. */
export function toLiveEvent(id: unknown, type: unknown, data: unknown): LiveEvent | null {
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

/** A feed.v1 WebSocket frame. */
export function parseFrame(text: string): LiveEvent | null {
  try {
    const frame = JSON.parse(text) as { id?: unknown; type?: unknown; data?: unknown };
    return toLiveEvent(frame.id, frame.type, frame.data);
  } catch {
    return null;
  }
}

/** An SSE message (EventSource already split id, event and data). */
export function parseSse(id: string, type: string, data: string): LiveEvent | null {
  try {
    return toLiveEvent(id, type, JSON.parse(data));
  } catch {
    return null;
  }
}
