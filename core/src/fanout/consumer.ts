// The fan-out worker's consumer: competing consumers of one durable quorum queue, manual ack,
// bounded prefetch. Handlers are idempotent, so a redelivery (worker killed mid-fan-out,
// connection lost before the ack) repeats work without repeating effects. A malformed or
// unknown message is dead-lettered at once with a log line; a failing one is retried as the
// retry policy says (retry-policy.ts: in place a pause apart, then back to the queue) and parked
// by the queue's delivery limit if it keeps failing.
// Messages in hand are handled concurrently, except that one author's post events (and one
// follower's follow events) are handled one after the other in delivery order: handled side by
// side, a later post's log entry could be written before an earlier one's, and followers would
// get the author's posts out of order.
import type { ConsumeMessage } from 'amqplib';
import { domainEvent, type DomainEvent, type Topology } from '@feed/contracts';
import { declareFanout, type Channel, type ChannelModel } from '@feed/broker';
import type { FanoutContext } from './context.ts';
import { onPostCreated, onPostDeleted, onPostUpdated } from './post-events.ts';
import { onFollowed, onUnfollowed } from './follow-events.ts';
import { onCelebrityFollowsRequested } from './celebrity-follows.ts';
import { requeueNow, type RetryPolicy } from './retry-policy.ts';
import { observeAge } from '../pipeline-age.ts';

async function handle(ctx: FanoutContext, event: DomainEvent, messageId: string): Promise<void> {
  switch (event.type) {
    case 'post.created':
      return onPostCreated(ctx, event);
    case 'post.updated':
      return onPostUpdated(ctx, event, messageId);
    case 'post.deleted':
      return onPostDeleted(ctx, event);
    case 'friend.followed':
      return onFollowed(ctx, event, messageId);
    case 'friend.unfollowed':
      return onUnfollowed(ctx, event, messageId);
    case 'celebrity-follows.requested':
      return onCelebrityFollowsRequested(ctx, event);
  }
}

function parse(msg: ConsumeMessage): { event: DomainEvent; messageId: string } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(msg.content.toString('utf8'));
  } catch {
    return { error: 'body is not JSON' };
  }
  const parsed = domainEvent.safeParse(json);
  if (!parsed.success) return { error: `not a known domain event: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const messageId = msg.properties.messageId;
  if (typeof messageId !== 'string' || !/^[0-9]+$/.test(messageId)) return { error: 'missing or invalid message id' };
  return { event: parsed.data, messageId };
}

export interface ConsumerSettings {
  prefetch: number;
  /** How a failing message is retried; its delivery limit is the fan-out queue's. */
  retry: RetryPolicy;
}

export class FanoutConsumer {
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private inFlight = new Set<Promise<void>>();
  /** Per author (or follower): the last message handled or queued, so the next waits for it. */
  private readonly lanes = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly ctx: FanoutContext,
    private readonly names: Topology,
    private readonly settings: ConsumerSettings,
  ) {}

  /** Called by the broker after every (re)connect. */
  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.ctx.log.warn({ err: err.message }, 'consumer channel error'));
    await declareFanout(channel, this.names, this.settings.retry.deliveryLimit);
    await channel.prefetch(this.settings.prefetch);
    this.channel = channel;
    if (!this.stopping) {
      const { consumerTag } = await channel.consume(
        this.names.fanoutQueue,
        (msg) => {
          if (!msg) return;
          const arrivedAt = Date.now();
          this.track(this.inOrder(laneOf(msg), () => this.process(channel, msg, arrivedAt)));
        },
        {
          noAck: false,
        },
      );
      this.consumerTag = consumerTag;
    }
  }

  private inOrder(lane: string | undefined, work: () => Promise<void>): Promise<void> {
    if (!lane) return work();
    const before = this.lanes.get(lane);
    const next = before ? before.then(work) : work();
    this.lanes.set(lane, next);
    void next.finally(() => {
      if (this.lanes.get(lane) === next) this.lanes.delete(lane);
    });
    return next;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    work.finally(() => this.inFlight.delete(work));
  }

  private async process(channel: Channel, msg: ConsumeMessage, arrivedAt: number): Promise<void> {
    const parsed = parse(msg);
    if ('error' in parsed) {
      this.ctx.log.error({ reason: parsed.error, routingKey: msg.fields.routingKey, body: msg.content.toString('utf8').slice(0, 200) }, 'dead-lettering malformed message');
      return settle(() => channel.nack(msg, false, false));
    }
    if (parsed.event.type === 'post.created') observeAge('worker consumed', Date.parse(parsed.event.createdAt), arrivedAt);
    // A failure (Redis restarting, say) is retried here first, in the message's lane, so the
    // author's later posts wait for it; only then does it go back to the queue, which lets them by.
    let failingSince: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        await handle(this.ctx, parsed.event, parsed.messageId);
        settle(() => channel.ack(msg));
        return;
      } catch (err) {
        this.ctx.log.warn({ err: (err as Error).message, type: parsed.event.type, messageId: parsed.messageId, attempt }, 'fan-out failed; will retry');
        failingSince ??= Date.now();
        await new Promise((r) => setTimeout(r, this.settings.retry.delayMs));
        if (requeueNow(this.settings.retry, attempt, Date.now() - failingSince) || this.stopping) {
          settle(() => channel.nack(msg, false, true));
          return;
        }
      }
    }
  }

  /** Stops taking messages and waits for those in hand. */
  async stop(): Promise<void> {
    this.stopping = true;
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => {});
    await Promise.allSettled([...this.inFlight]);
    if (channel) await channel.close().catch(() => {});
  }
}

/**
 * Which lane a message waits in: its author's (posts) or its follower's (follows, and a gateway's
 * request for the follower's celebrity follows, which must not interleave with their follows).
 */
function laneOf(msg: ConsumeMessage): string | undefined {
  try {
    const body = JSON.parse(msg.content.toString('utf8')) as { authorId?: unknown; followerId?: unknown; userId?: unknown };
    if (typeof body.authorId === 'string') return `a:${body.authorId}`;
    if (typeof body.followerId === 'string') return `f:${body.followerId}`;
    if (typeof body.userId === 'string') return `f:${body.userId}`;
  } catch {
    /* dead-lettered by process() */
  }
  return undefined;
}

/** An ack on a channel that died is moot: the broker redelivers, and handlers are idempotent. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    /* channel closed */
  }
}
