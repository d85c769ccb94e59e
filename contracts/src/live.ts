// Live events: what the fan-out worker writes to users' event logs and sends to gateways,
// and what gateways turn into WebSocket frames and SSE events.
import { z } from 'zod';

const id = z.string().regex(/^[1-9][0-9]{0,18}$/);

export const liveEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('post.created'), postId: id, authorId: id, text: z.string() }),
  z.object({ type: z.literal('post.updated'), postId: id, authorId: id, text: z.string() }),
  z.object({ type: z.literal('post.deleted'), postId: id, authorId: id }),
  /** The recipient started following `authorId`: their recent posts are now in the feed. */
  z.object({ type: z.literal('friend.followed'), authorId: id }),
  /** The recipient stopped following `authorId`: their posts left the feed. */
  z.object({ type: z.literal('friend.unfollowed'), authorId: id }),
  /** The feed was rebuilt or the log lost: the client should refetch the feed. */
  z.object({ type: z.literal('feed.reset'), reason: z.string() }),
]);

export type LiveEvent = z.infer<typeof liveEvent>;

/** One message per gateway per batch of recipients, on the gateway's own queue. */
export const gatewayMessage = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('direct'),
    event: liveEvent,
    /** When the post was created (ms since epoch), for the delivery-lag histogram. */
    createdAt: z.number(),
    /**
     * [user id, log epoch, log entry id, previous entry id]: the entry id is the client's resume
     * offset; the previous one ('' when unknown) lets the gateway notice an event that overtook
     * another (competing or concurrent fan-outs, a redelivery) and fill the gap from the log.
     */
    recipients: z.array(z.union([z.tuple([id, z.string(), z.string()]), z.tuple([id, z.string(), z.string(), z.string()])])),
  }),
  z.object({
    /** A celebrity's event: the gateway delivers it to its own sessions that follow the author. */
    kind: z.literal('audience'),
    event: liveEvent,
    createdAt: z.number(),
    authorId: id,
  }),
  z.object({
    /** The answer to a gateway's `celebrity-follows.requested`: whom the user follows among celebrities. */
    kind: z.literal('celebrity-follows'),
    userId: id,
    celebrities: z.array(id),
  }),
  z.object({
    /** Core revoked this access token (logout): the gateway closes its streams opened with it. */
    kind: z.literal('session.revoked'),
    userId: id,
    tokenId: z.string().min(1).max(64),
  }),
]);

export type GatewayMessage = z.infer<typeof gatewayMessage>;
