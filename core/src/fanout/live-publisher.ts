// How the fan-out worker hands live events to the edge, once their feeds and event logs are
// written. GatewayPublisher is ours: one message per gateway, listing that gateway's
// recipients, on the direct exchange with routing key gw.<id>. A gateway that died has no
// queue: the message is dropped by the broker and its clients resume from their event logs
// elsewhere. Other live paths (the load benchmark's alternative designs) implement LivePublisher.
import type { Delivery } from '@feed/cache';
import type { GatewayMessage, LiveEvent, Topology } from '@feed/contracts';
import { declareGatewayExchange, type ChannelModel, type ConfirmChannel } from '@feed/broker';

/** The fan-out worker's live delivery path. Each call resolves once the edge has the event. */
export interface LivePublisher {
  /** Opens what it publishes on, on every broker (re)connect, before the worker consumes. */
  attach(model: ChannelModel): Promise<void>;
  /** An ordinary author's event to its online recipients (their log entries with it); resolves to the messages sent. */
  direct(event: LiveEvent, createdAt: number, deliveries: readonly Delivery[]): Promise<number>;
  /** A celebrity's event, to the gateways that hold one of their followers. */
  audience(event: LiveEvent, createdAt: number, authorId: string, gateways: readonly string[]): Promise<void>;
  /** The answer to a gateway that asked which celebrities a user follows. */
  celebrityFollows(gateway: string, userId: string, celebrities: string[]): Promise<void>;
}

export class GatewayPublisher implements LivePublisher {
  private channel: ConfirmChannel | undefined;

  constructor(private readonly names: Topology) {}

  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    await declareGatewayExchange(channel, this.names);
    this.channel = channel;
  }

  /** Groups deliveries by gateway and sends one message to each. */
  async direct(event: LiveEvent, createdAt: number, deliveries: readonly Delivery[]): Promise<number> {
    const byGateway = new Map<string, [string, string, string, string][]>();
    for (const d of deliveries) {
      for (const gateway of d.gateways) {
        let list = byGateway.get(gateway);
        if (!list) byGateway.set(gateway, (list = []));
        list.push([d.userId, d.entry?.epoch ?? '', d.entry?.id ?? '', d.entry?.prev ?? '']);
      }
    }
    for (const [gateway, recipients] of byGateway) {
      this.send(gateway, { kind: 'direct', event, createdAt, recipients });
    }
    await this.confirm(byGateway.size);
    return byGateway.size;
  }

  /** A celebrity's event: one message to each gateway that holds one of their followers. */
  async audience(event: LiveEvent, createdAt: number, authorId: string, gateways: readonly string[]): Promise<void> {
    for (const gateway of gateways) this.send(gateway, { kind: 'audience', event, createdAt, authorId });
    await this.confirm(gateways.length);
  }

  /** Tells one gateway which celebrities a user follows (the answer to its request). */
  async celebrityFollows(gateway: string, userId: string, celebrities: string[]): Promise<void> {
    this.send(gateway, { kind: 'celebrity-follows', userId, celebrities });
    await this.confirm(1);
  }

  /** Tells gateways that a token was revoked: they close the streams opened with it. */
  async sessionRevoked(gateways: readonly string[], userId: string, tokenId: string): Promise<void> {
    for (const gateway of gateways) this.send(gateway, { kind: 'session.revoked', userId, tokenId });
    await this.confirm(gateways.length);
  }

  private send(gateway: string, message: GatewayMessage): void {
    const channel = this.requireChannel();
    channel.publish(this.names.gatewayExchange, this.names.gatewayRoutingKey(gateway), Buffer.from(JSON.stringify(message)), {
      contentType: 'application/json',
    });
  }

  private async confirm(sent: number): Promise<void> {
    if (sent > 0) await this.requireChannel().waitForConfirms();
  }

  private requireChannel(): ConfirmChannel {
    if (!this.channel) throw new Error('broker channel not ready');
    return this.channel;
  }
}
