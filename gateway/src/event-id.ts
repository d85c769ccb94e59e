// The resumable id of a feed.v1 / SSE event: `<epoch>.<log id>.<celebrity post id>`.
// The log id is the position in the user's own event log; the celebrity part is the newest
// celebrity post delivered, since celebrity posts are not written into followers' logs.
import { STREAM_ID } from '@feed/cache';

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
