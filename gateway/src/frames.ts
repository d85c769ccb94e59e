// How a live event looks on each wire: the OTUS AsyncAPI frame, the feed.v1 envelope, and SSE,
// and the resumable id feed.v1 and SSE frames carry, `<epoch>.<log id>.<celebrity post id>`.
// The log id is the position in the user's own event log; the celebrity part is the newest
// celebrity post delivered, since celebrity posts are not written into followers' logs.
import { STREAM_ID } from '@feed/cache';
import { FEED_V1, type LiveEvent } from '@feed/contracts';

/** What a session speaks: the OTUS AsyncAPI frames, the feed.v1 subprotocol, or SSE. */
export type Protocol = 'asyncapi' | typeof FEED_V1 | 'sse';

/** Where a session stands, and what a client resumes from. */
export interface Position {
  epoch: string;
  logId: string;
  celebrityPostId: string;
}

const EPOCH = /^[A-Za-z0-9_-]{1,32}$/;
const POST_ID = /^(0|[1-9][0-9]{0,18})$/;

export function formatEventId(p: Position): string {
  return `${p.epoch}.${p.logId}.${p.celebrityPostId}`;
}

/** null for anything that is not an id this gateway issued. */
export function parseEventId(text: string | null | undefined): Position | null {
  if (!text || text.length > 80) return null;
  const [epoch, logId, celebrityPostId, ...rest] = text.split('.');
  if (rest.length > 0 || !epoch || !logId || !celebrityPostId) return null;
  if (!EPOCH.test(epoch) || !STREAM_ID.test(logId) || !POST_ID.test(celebrityPostId)) return null;
  return { epoch, logId, celebrityPostId };
}

/** The event's data as feed.v1 and SSE carry it: REST-shaped posts. */
function dataOf(event: LiveEvent): object {
  switch (event.type) {
    case 'post.created':
    case 'post.updated':
      return { id: event.postId, text: event.text, author_user_id: event.authorId };
    case 'post.deleted':
      return { id: event.postId, author_user_id: event.authorId };
    case 'friend.followed':
    case 'friend.unfollowed':
      return { user_id: event.authorId };
    case 'feed.reset':
      return { reason: event.reason };
  }
}

const utf8 = new TextEncoder();

/**
 * The session-independent parts of the last event encoded. The hub hands one event object to
 * every recipient session in a row, so a one-entry memo keyed by the object encodes it once per
 * message rather than once per frame: the AsyncAPI frame is the same bytes for everyone (and
 * ws sends bytes without another UTF-8 conversion), feed.v1 and SSE differ only by the id.
 */
let memoEvent: LiveEvent | undefined;
let memoAsyncApi: Uint8Array | undefined;
let memoData: string | undefined;

function remember(event: LiveEvent): void {
  if (event === memoEvent) return;
  memoEvent = event;
  memoAsyncApi = undefined;
  memoData = undefined;
}

function asyncApiFrame(event: LiveEvent): Uint8Array | null {
  // Exactly the contract's message: these three keys, nothing else, new posts only.
  if (event.type !== 'post.created') return null;
  remember(event);
  return (memoAsyncApi ??= utf8.encode(JSON.stringify({ postId: event.postId, postText: event.text, author_user_id: event.authorId })));
}

function dataJson(event: LiveEvent): string {
  remember(event);
  return (memoData ??= JSON.stringify(dataOf(event)));
}

/** Whether this protocol's frames carry the session's position (the resumable id). */
export const carriesId = (protocol: Protocol): boolean => protocol !== 'asyncapi';

/** The frame to send for `event`, or null when this protocol has no such frame. */
export function encode(protocol: Protocol, event: LiveEvent, id: string): string | Uint8Array | null {
  switch (protocol) {
    case 'asyncapi':
      return asyncApiFrame(event);
    case FEED_V1:
      return `{"id":${JSON.stringify(id)},"type":"${event.type}","data":${dataJson(event)}}`;
    case 'sse':
      return `id: ${id}\nevent: ${event.type}\ndata: ${dataJson(event)}\n\n`;
  }
}
