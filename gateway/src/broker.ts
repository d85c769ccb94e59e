// The gateway's own RabbitMQ queue: gw.<id>, bound once to the live-event exchange with routing
// key gw.<id>. It is not exclusive, so it survives a broker reconnect with the messages that
// arrived meanwhile; it expires once the gateway has been gone for QUEUE_EXPIRES_MS, and its
// length is bounded (oldest dropped first: a client that misses events resumes from its log).
import amqp, { type ChannelModel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { gatewayMessage, type GatewayMessage, type Topology } from '@feed/contracts';
import type { Logger } from 'pino';

export interface GatewayBrokerSettings {
  url: string;
  gatewayId: string;
  names: Topology;
  queueMaxLength: number;
  queueExpiresMs: number;
}

export class GatewayBroker {
  private connection: RecoveringChannelModel | undefined;
  private connectedOnce = false;
  private up = false;

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
    this.connection = await amqp.connect(this.settings.url, {
      recovery: { initialDelay: 200, maxDelay: 5_000, factor: 2, jitter: 0.3, waitForConnect: false, setup: (model: ChannelModel) => this.setup(model) },
    });
    this.connection.on('disconnect', (err: Error) => {
      this.up = false;
      this.log.warn({ err: err?.message }, 'broker disconnected; reconnecting');
    });
    this.connection.on('error', (err: Error) => this.log.warn({ err: err.message }, 'broker error'));
    await this.connection.waitForConnect();
  }

  private async setup(model: ChannelModel): Promise<void> {
    const { names, gatewayId } = this.settings;
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.log.warn({ err: err.message }, 'broker channel error'));
    await channel.assertExchange(names.gatewayExchange, 'direct', { durable: true });
    await channel.assertQueue(this.queue, {
      durable: false,
      arguments: {
        'x-expires': this.settings.queueExpiresMs,
        'x-max-length': this.settings.queueMaxLength,
        'x-overflow': 'drop-head',
      },
    });
    await channel.bindQueue(this.queue, names.gatewayExchange, names.gatewayRoutingKey(gatewayId));
    await channel.consume(this.queue, (msg) => msg && this.handle(msg), { noAck: true });
    this.up = true;
    this.log.info({ queue: this.queue }, 'consuming gateway queue');
    if (this.connectedOnce) this.onReconnect();
    this.connectedOnce = true;
  }

  private handle(msg: ConsumeMessage): void {
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
