// The gateway's own RabbitMQ queue: gw.<id>, bound once to the live-event exchange with routing
// key gw.<id>. It is not exclusive, so it survives a broker reconnect with the messages that
// arrived meanwhile; it expires once the gateway has been gone for QUEUE_EXPIRES_MS, and its
// length is bounded (oldest dropped first: a client that misses events resumes from its log).
// Consumption is acknowledged with a bounded prefetch: without it (noAck) the broker pushes the
// whole backlog of a gateway that fell behind into its socket, where it sits in gateway memory,
// out of reach of the queue's length bound, and is handed over in as few turns of the event
// loop as the socket reads allow. Acks are batched (one `multiple` ack per turn, or at half the
// prefetch); a message redelivered after a reconnect is one the sessions already sent, and they
// skip it by its log id.
//
// In a cluster (AMQP_URL lists several nodes) the queue lives on the node we declared it from.
// If that node dies the queue dies with it (a non-durable classic queue is deleted when its
// node goes down; its messages are lost): the connection drops with it, the next reconnect
// attempt goes to the next node of the list, and `setup` declares and binds the queue afresh
// there, then `onReconnect` resyncs every session from the event logs, which covers what was
// lost in between.
import { connectBroker, declareGatewayQueue, type Channel, type ChannelModel, type ConsumeMessage, type RecoveringChannelModel } from '@feed/broker';
import { gatewayMessage, type DomainEvent, type GatewayMessage, type Topology } from '@feed/contracts';
import type { Logger } from 'pino';

/**
 * How live events find this gateway's queue: what the queue is bound to, and whether that
 * changes as users come and go. The default binds it once to the live-event exchange with
 * routing key gw.<id> (the worker addresses gateways through presence); another design (the
 * load benchmark's broadcast or per-user alternatives) plugs in here.
 */
export interface QueueRouting {
  /** Declares what it needs and binds the queue, on every (re)connect, before consuming. */
  bind(channel: Channel, queue: string): Promise<void>;
  /** A user's first session opened here: their events must start reaching this queue. */
  userArrived?(userId: string): Promise<void>;
  /** The user's last session here closed. */
  userLeft?(userId: string): Promise<void>;
  /**
   * How a celebrity's post reaches this queue. 'audience' (the default): once per post for every
   * gateway holding a follower, which the gateway hands to the followers it holds, and which a
   * resume replays from the celebrity's timeline. 'per-recipient': as any other post, written into
   * each follower's log and sent with that entry; the gateway then follows no celebrity and a
   * resume reads the log alone (replaying the timeline too would send the post twice).
   */
  readonly celebrityPosts?: 'audience' | 'per-recipient';
}

/** The default route: one binding, gw.<id> on the live-event exchange. */
export function gatewayRouting(names: Topology, gatewayId: string): QueueRouting {
  return {
    async bind(channel, queue) {
      await channel.bindQueue(queue, names.gatewayExchange, names.gatewayRoutingKey(gatewayId));
    },
  };
}

export interface GatewayBrokerSettings {
  /** AMQP_URL: one URL, or several nodes of one cluster comma-separated. */
  url: string;
  gatewayId: string;
  names: Topology;
  queueMaxLength: number;
  queueExpiresMs: number;
  /** Unacknowledged messages the broker may push before waiting for an ack. */
  prefetch: number;
  /** What the queue is bound to; gatewayRouting when not given. */
  routing?: QueueRouting;
}

export class GatewayBroker {
  private connection: RecoveringChannelModel | undefined;
  private connectedOnce = false;
  private up = false;
  private channel: Channel | undefined;
  /** The newest message handled but not yet acknowledged, and how many are waiting with it. */
  private unacked: { channel: Channel; msg: ConsumeMessage; count: number } | undefined;

  constructor(
    private readonly settings: GatewayBrokerSettings,
    private readonly log: Logger,
    private readonly onMessage: (message: GatewayMessage) => void,
    /** After a reconnect: events may have been missed while the link was down. */
    private readonly onReconnect: () => void,
  ) {}

  get connected(): boolean {
    return this.up;
  }

  get queue(): string {
    return this.settings.names.gatewayQueue(this.settings.gatewayId);
  }

  async start(): Promise<void> {
    this.connection = await connectBroker(this.settings.url, this.log, (model) => this.setup(model));
    this.connection.on('disconnect', () => (this.up = false));
    await this.connection.waitForConnect();
  }

  private async setup(model: ChannelModel): Promise<void> {
    const { names, gatewayId } = this.settings;
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.log.warn({ err: err.message }, 'broker channel error'));
    await declareGatewayQueue(channel, names, gatewayId, { expiresMs: this.settings.queueExpiresMs, maxLength: this.settings.queueMaxLength });
    await (this.settings.routing ?? gatewayRouting(names, gatewayId)).bind(channel, this.queue);
    await channel.prefetch(this.settings.prefetch);
    await channel.consume(this.queue, (msg) => msg && this.handle(channel, msg), { noAck: false });
    this.channel = channel;
    this.up = true;
    this.log.info({ queue: this.queue }, 'consuming gateway queue');
    if (this.connectedOnce) this.onReconnect();
    this.connectedOnce = true;
  }

  /**
   * Asks the fan-out worker for a user's celebrity follows; the answer comes on our queue. Not
   * confirmed: a request lost with the link is asked again at the next presence refresh.
   */
  requestCelebrityFollows(userId: string): void {
    const { names, gatewayId } = this.settings;
    const body = { type: 'celebrity-follows.requested', userId, gatewayId } satisfies DomainEvent;
    try {
      this.channel?.publish(names.domainExchange, body.type, Buffer.from(JSON.stringify(body)), {
        contentType: 'application/json',
        messageId: String(Date.now()), // the worker takes numeric ids (outbox ids) only
        type: body.type,
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, userId }, 'celebrity follows request not sent');
    }
  }

  private handle(channel: Channel, msg: ConsumeMessage): void {
    try {
      this.dispatch(msg);
    } finally {
      this.acknowledge(channel, msg);
    }
  }

  private acknowledge(channel: Channel, msg: ConsumeMessage): void {
    const pending = this.unacked;
    if (pending && pending.channel !== channel) this.unacked = undefined; // its channel is gone, and its deliveries with it
    const count = (this.unacked?.count ?? 0) + 1;
    this.unacked = { channel, msg, count };
    if (count >= Math.max(1, this.settings.prefetch / 2)) this.flushAcks();
    else if (count === 1) setTimeout(() => this.flushAcks(), 0);
  }

  private flushAcks(): void {
    const pending = this.unacked;
    this.unacked = undefined;
    if (!pending) return;
    try {
      pending.channel.ack(pending.msg, true);
    } catch {
      /* the channel closed: the broker requeues what it held, and sessions skip what they sent */
    }
  }

  private dispatch(msg: ConsumeMessage): void {
    let parsed;
    try {
      parsed = gatewayMessage.safeParse(JSON.parse(msg.content.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.log.warn({ body: msg.content.toString('utf8').slice(0, 200) }, 'dropping malformed gateway message');
      return;
    }
    this.onMessage(parsed.data);
  }

  /** Deletes the queue (a clean shutdown; a crash leaves it to expire). */
  async stop(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    try {
      const channel = await connection.createChannel();
      await channel.deleteQueue(this.queue);
    } catch {
      /* the queue expires on its own */
    }
    await connection.close().catch(() => {});
    this.up = false;
  }
}
