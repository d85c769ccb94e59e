// How a live event looks on each wire: the OTUS AsyncAPI frame, the feed.v1 envelope, and SSE.
import type { LiveEvent } from '@feed/contracts';

export type Protocol = 'asyncapi' | 'feed.v1' | 'sse';

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

/** The text to send for `event`, or null when this protocol has no such frame. */
export function encode(protocol: Protocol, event: LiveEvent, id: string): string | null {
  switch (protocol) {
    case 'asyncapi':
      // Exactly the contract's message: these three keys, nothing else, new posts only.
      return event.type === 'post.created'
        ? JSON.stringify({ postId: event.postId, postText: event.text, author_user_id: event.authorId })
        : null;
    case 'feed.v1':
      return JSON.stringify({ id, type: event.type, data: dataOf(event) });
    case 'sse':
      return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(dataOf(event))}\n\n`;
  }
}
