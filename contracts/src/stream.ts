// The live stream's wire contract, as the gateway serves it and every client speaks it: where
// it is, how a client names its protocol and position, what each close code asks of it, and the
// events it carries. No imports, on purpose: the SPA and the client SDK load this in browsers,
// where the rest of this package (zod, jose) has no business.

/** The one stream endpoint: WebSocket upgrade, or `Accept: text/event-stream` for SSE. */
export const STREAM_PATH = '/post/feed/posted';

/** The WebSocket subprotocol of typed, resumable envelopes (without it: the OTUS AsyncAPI frame). */
export const FEED_V1 = 'feed.v1';

/** The HttpOnly cookie `POST /login` sets and the gateway accepts (browsers cannot set headers on a WebSocket). */
export const TOKEN_COOKIE = 'feed_token';

/** The query parameter that carries the access token where no header can be set. */
export const TOKEN_PARAM = 'token';

/**
 * Where a client names the last event id it saw. WebSocket: a query parameter. SSE: the
 * `Last-Event-ID` header (what EventSource sends on its own reconnects) or, for a fresh
 * EventSource that cannot set it, a query parameter.
 */
export const RESUME = {
  webSocketParam: 'since',
  sseHeader: 'Last-Event-ID',
  sseParam: 'lastEventId',
} as const;

/** WebSocket close codes the gateway sends, by what they ask of the client. */
export const CLOSE_CODE = {
  /** The token expired or was revoked (logout), or is no longer accepted: log in again, do not reconnect with it. */
  tokenExpired: 4001,
  /** Slow consumer: the send buffer passed its bound. Reconnect and resume. */
  slow: 4008,
  /** Service restart (the gateway drains): reconnect promptly, elsewhere, and resume. */
  drain: 1012,
  /** The gateway is shutting down: reconnect and resume. */
  shutdown: 1001,
  /** Too many messages from the client. */
  rate: 1008,
  /** A client frame over the gateway's size limit. */
  tooBig: 1009,
  /** The session could not be opened (a dependency was unreachable): retry later. */
  unavailable: 1011,
} as const;

/** The SSE event the gateway sends, with `{"reason"}` ("token expired", "token revoked"), just before it ends a stream whose token it no longer accepts. */
export const SSE_ERROR_EVENT = 'error';

/**
 * The gateway's default heartbeat periods (`WS_PING_MS`, `SSE_HEARTBEAT_MS`): it pings every
 * WebSocket and writes an SSE comment once per period, so a client that hears nothing for
 * well over one period is on a dead connection.
 */
export const HEARTBEAT_MS = {
  webSocketPing: 25_000,
  sseComment: 15_000,
} as const;

/** A post as the stream carries it (REST-shaped, as in the OTUS contract). */
export interface StreamPost {
  id: string;
  text: string;
  author_user_id: string;
}

/**
 * One event of the feed.v1 protocol: the same over WebSocket (`{"id","type","data"}` frames)
 * and SSE (`id:`, `event:`, `data:`). `id` is the position to resume from, opaque to clients.
 */
export type FeedEvent =
  | { id: string; type: 'post.created' | 'post.updated'; data: StreamPost }
  | { id: string; type: 'post.deleted'; data: { id: string; author_user_id: string } }
  /** You (from another session) followed or unfollowed `user_id`: their posts entered or left your feed. */
  | { id: string; type: 'friend.followed' | 'friend.unfollowed'; data: { user_id: string } }
  /** Your position cannot be resumed (too old, or the log was lost): refetch the feed. */
  | { id: string; type: 'feed.reset'; data: { reason: string } };

export type FeedEventType = FeedEvent['type'];

export const FEED_EVENT_TYPES: readonly FeedEventType[] = ['post.created', 'post.updated', 'post.deleted', 'friend.followed', 'friend.unfollowed', 'feed.reset'];
