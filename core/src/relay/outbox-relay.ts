// The outbox relay: publishes committed outbox rows to the domain exchange with publisher
// confirms, in id order (so in order per author), then marks them published. It wakes on
// Postgres NOTIFY, so a post leaves within milliseconds; a slow poll is only a safety net.
// While RabbitMQ is down, rows simply wait. A row published twice (crash between confirm and
// mark) is absorbed by the worker's idempotency.
import pg from 'pg';
import { type Pool, inTransaction, outboxRelay } from '@feed/db';
import { backoffDelay, type Topology } from '@feed/contracts';
import { declareDomainExchange, type ChannelModel, type ConfirmChannel } from '@feed/broker';
import type { Logger } from '../log.ts';
import { observeAge } from '../pipeline-age.ts';

export interface RelaySettings {
  databaseUrl: string;
  pollMs: number;
  batchSize: number;
  /** Published rows older than this are deleted. */
  retentionSeconds: number;
}

export class OutboxRelay {
  private channel: ConfirmChannel | undefined;
  private listener: pg.Client | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private failures = 0;

  constructor(
    private readonly db: Pool,
    private readonly names: Topology,
    private readonly settings: RelaySettings,
    private readonly log: Logger,
  ) {}

  /** Called by the broker after every (re)connect. */
  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.log.warn({ err: err.message }, 'relay channel error'));
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    await declareDomainExchange(channel, this.names);
    this.channel = channel;
    this.kick();
  }

  async start(): Promise<void> {
    await this.listen();
    this.timers.push(setInterval(() => this.kick(), this.settings.pollMs));
    this.timers.push(
      setInterval(() => {
        outboxRelay.prunePublished(this.db, this.settings.retentionSeconds).catch(() => {});
      }, 60_000),
    );
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.draining;
    await this.listener?.end().catch(() => {});
  }

  /** Runs a drain now, or once more after the current one: notifications are never lost. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainAll()
      .catch((err) => {
        this.failures++;
        this.log.warn({ err: err?.message, failures: this.failures }, 'outbox relay: publish failed, rows stay pending');
        const delay = backoffDelay(this.failures, { baseMs: 100, capMs: 5_000 });
        setTimeout(() => this.kick(), delay).unref();
      })
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drainAll(): Promise<void> {
    while (!this.stopped && this.channel) {
      const sent = await this.drainBatch(this.channel);
      this.failures = 0;
      if (sent < this.settings.batchSize) return;
    }
  }

  /** One transaction: lock, read a batch in order, publish, await confirms, mark. */
  private drainBatch(channel: ConfirmChannel): Promise<number> {
    return inTransaction(this.db, async (tx) => {
      if (!(await outboxRelay.tryTakeRelayLock(tx))) return 0; // another relay is publishing
      const rows = await outboxRelay.pending(tx, this.settings.batchSize);
      if (rows.length === 0) return 0;
      for (const row of rows) if (row.event_type === 'post.created') observeAge('relay read', Date.parse((row.payload as { createdAt: string }).createdAt));
      for (const row of rows) {
        channel.publish(this.names.domainExchange, row.event_type, Buffer.from(JSON.stringify(row.payload)), {
          persistent: true,
          messageId: row.id,
          type: row.event_type,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
        });
      }
      await channel.waitForConfirms();
      for (const row of rows) if (row.event_type === 'post.created') observeAge('relay published', Date.parse((row.payload as { createdAt: string }).createdAt));
      await outboxRelay.markPublished(
        tx,
        rows.map((r) => r.id),
      );
      this.log.debug({ count: rows.length, last: rows.at(-1)?.id }, 'outbox published');
      return rows.length;
    });
  }

  /** A dedicated connection for LISTEN; reconnects, and drains after each reconnect. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.settings.databaseUrl });
    const retry = () => {
      if (this.listener !== client || this.stopped) return;
      this.listener = undefined;
      client.end().catch(() => {});
      setTimeout(() => this.listen().catch(() => {}), 1_000).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.kick());
    this.listener = client;
    try {
      await client.connect();
      await client.query('LISTEN outbox');
      this.kick();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'outbox relay: LISTEN failed, retrying');
      retry();
    }
  }
}
