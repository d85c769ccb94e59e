// The gateway node: owns the hub, the replayer and the broker link, opens and closes sessions,
// keeps presence alive, resyncs sessions after an outage, and drains on shutdown.
import type { Cache } from '@feed/cache';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.ts';
import type { Position, Protocol } from './frames.ts';
import { GatewayBroker, type QueueRouting } from './broker.ts';
import { Hub } from './hub.ts';
import type { Metrics } from './metrics.ts';
import { Replayer } from './replay.ts';
import { Session, type CloseReason, type SessionHooks, type Transport } from './session.ts';
import { TokenExpiry } from './token-expiry.ts';
import { RevocationWatch } from './revocation.ts';
import { topology } from '@feed/contracts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OpenRequest {
  userId: string;
  protocol: Protocol;
  transport: Transport;
  /** Where the client says it is; null for a fresh client, 'invalid' for an id we cannot read. */
  resumeFrom: Position | null | 'invalid';
  /** Token expiry, seconds since the epoch. */
  expiresAt: number;
  /** The token's id, for revocation (logout). */
  tokenId: string;
}

export class GatewayNode {
  readonly hub: Hub;
  readonly broker: GatewayBroker;
  private readonly replayer: Replayer;
  private readonly expiry = new TokenExpiry<Session>((session) => session.close('expired'));
  private readonly revocation: RevocationWatch<Session>;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private draining = false;
  /** A session's catch-up in progress, so the next one waits for it. */
  private readonly catchingUp = new WeakMap<Session, Promise<void>>();
  /** Shared by every session (one object, not a set of closures per session). */
  private readonly hooks: SessionHooks;

  constructor(
    readonly config: GatewayConfig,
    private readonly cache: Cache,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** What the gateway's queue is bound to (default: gw.<id>, see gatewayRouting). */
    routing?: QueueRouting,
  ) {
    this.hub = new Hub(cache, {
      routing,
      gatewayId: config.GATEWAY_ID,
      presenceTtlMs: config.PRESENCE_TTL_MS,
      requestCelebrityFollows: (userId) => this.broker.requestCelebrityFollows(userId),
      onLost: (userId, sessions) => {
        this.metrics.lostState.inc();
        this.log.debug({ userId, sessions: sessions.length }, 'redis lost presence or log epoch of a user: catching up');
        for (const s of sessions) void this.catchUp(s);
      },
      onRevoked: (notice) => this.revocation.revoked(notice),
      metrics,
    });
    this.replayer = new Replayer(cache);
    this.revocation = new RevocationWatch<Session>(
      cache.revocations,
      (session) => session.close('revoked'),
      (err) => log.warn({ err: err.message }, 'revocation check failed: streams stay open until the next check'),
    );
    this.hooks = {
      sendBufferLimit: config.SEND_BUFFER_LIMIT,
      onSent: metrics.frameSent,
      onClose: (s: Session, reason: CloseReason) => this.closed(s, reason),
      onGap: (s: Session) => {
        this.metrics.gapFills.inc();
        void this.catchUp(s);
      },
    };
    this.broker = new GatewayBroker(
      {
        url: config.AMQP_URL,
        gatewayId: config.GATEWAY_ID,
        names: topology(config.AMQP_PREFIX),
        queueMaxLength: config.QUEUE_MAX_LENGTH,
        prefetch: config.QUEUE_PREFETCH,
        queueExpiresMs: config.QUEUE_EXPIRES_MS,
        routing,
      },
      log,
      this.hub.receive,
      () => void this.resync('broker reconnected'),
    );
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Ready for new sessions: not draining and linked to the broker. */
  get healthy(): boolean {
    return !this.draining && this.broker.connected;
  }

  async start(): Promise<void> {
    await this.broker.start();
    await this.cache.presence.announce(this.config.GATEWAY_ID, this.config.PRESENCE_TTL_MS);
    this.timers.push(setInterval(() => void this.heartbeat(), this.config.GATEWAY_HEARTBEAT_MS));
    this.hub.startRenewal(this.config.PRESENCE_REFRESH_MS, (err) => this.log.warn({ err: err.message }, 'presence renewal failed'));
    this.revocation.start(this.config.REVOCATION_CHECK_MS);
  }

  /**
   * Periodic. Our heartbeat outlives its period (PRESENCE_TTL_MS > GATEWAY_HEARTBEAT_MS), so
   * finding it gone means Redis lost its data (FLUSHALL, a failover to an empty replica) without
   * the connection dropping: resync every session, which resets the clients whose logs are gone
   * (they refetch their feeds). Otherwise announce this gateway again; the users' own entries
   * are renewed a slice at a time through the period (Hub.startRenewal).
   */
  private async heartbeat(): Promise<void> {
    try {
      if (!(await this.cache.presence.announced(this.config.GATEWAY_ID))) await this.resync('redis lost its data');
      else await this.hub.announce();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'gateway heartbeat failed');
    }
  }

  /** Announces where this gateway answers (known once it listens), for the cluster view. */
  async advertise(url: string): Promise<void> {
    this.hub.url = url;
    await this.cache.presence.announce(this.config.GATEWAY_ID, this.config.PRESENCE_TTL_MS, Date.now(), { url });
  }

  /** Whether a logout revoked this token (checked at the handshake). */
  isRevoked(token: { userId: string; tokenId: string }): Promise<boolean> {
    return this.cache.revocations.isRevoked(token);
  }

  async open(request: OpenRequest): Promise<Session> {
    const { userId, protocol, transport } = request;
    const known = await this.hub.celebritiesOf(userId);
    // Never built: the hub asks the worker, and the session starts with none (position 0 for
    // celebrities, so the first celebrity post that reaches it is sent, not taken as seen).
    const celebrities = known ?? [];
    const hooks = this.hooks;

    let session: Session;
    if (request.resumeFrom && request.resumeFrom !== 'invalid') {
      // Subscribe first (events buffer in the session), then replay, then go live.
      session = new Session(userId, protocol, transport, { ...request.resumeFrom }, hooks);
      await this.hub.add(session, known);
      this.metrics.resumes.inc();
      if (!(await this.replayer.catchUp(session, request.resumeFrom, celebrities))) this.metrics.resets.inc();
    } else {
      const position = await this.replayer.currentPosition(userId, celebrities);
      session = new Session(userId, protocol, transport, position, hooks);
      await this.hub.add(session, known);
      if (request.resumeFrom === 'invalid') {
        session.reset('unknown resume id', position);
        this.metrics.resets.inc();
      }
    }
    session.goLive();
    this.metrics.sessions.inc({ transport: transport.kind });
    this.metrics.users.set(this.hub.userCount);

    this.expiry.add(session, request.expiresAt);
    this.expiry.start();
    this.revocation.add(session, { userId, tokenId: request.tokenId });
    // A logout between the handshake's check and now sent its notice before we could match it
    // (or before our presence was there to route it): core records a revocation before it
    // notifies, so asking once more now leaves no gap for the notice to fall through.
    this.isRevoked({ userId, tokenId: request.tokenId }).then(
      (revoked) => revoked && session.close('revoked'),
      () => {}, // the periodic check asks again
    );
    return session;
  }

  private closed(session: Session, reason: CloseReason): void {
    this.expiry.remove(session);
    this.revocation.remove(session);
    if (reason !== 'shutdown') this.metrics.closes.inc({ reason });
    this.metrics.sessions.dec({ transport: session.transport.kind });
    this.hub
      .remove(session)
      .then(() => this.metrics.users.set(this.hub.userCount))
      .catch((err) => this.log.warn({ err: err.message }, 'presence removal failed'));
  }

  /** After an outage, events may have passed us by: replay every session from its position. */
  async resync(why: string): Promise<void> {
    const sessions = [...this.hub.sessions()];
    this.log.info({ why, sessions: sessions.length }, 'resyncing sessions');
    await this.hub.refresh().catch(() => {});
    for (const session of sessions) await this.catchUp(session);
  }

  /**
   * Pauses a session, replays its log from its position, and lets it go live again. One at a
   * time per session (a resync and a gap fill must not both replay the same entries).
   */
  private catchUp(session: Session): Promise<void> {
    const run = async () => {
      if (session.isClosed) return;
      session.pause();
      try {
        const celebrities = (await this.hub.celebritiesOf(session.userId)) ?? [];
        if (!(await this.replayer.catchUp(session, { ...session.position }, celebrities))) this.metrics.resets.inc();
      } catch (err) {
        this.log.warn({ err: (err as Error).message, userId: session.userId }, 'catch-up failed for a session');
        session.goLive(false);
        return;
      }
      session.goLive();
    };
    const next = (this.catchingUp.get(session) ?? Promise.resolve()).then(run);
    this.catchingUp.set(session, next);
    return next;
  }

  /**
   * Graceful drain: fail the health check, give the load balancer time to notice, then close
   * sessions spread over the window (clients reconnect elsewhere and resume), then unregister.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.log.info({ delayMs: this.config.DRAIN_DELAY_MS, windowMs: this.config.DRAIN_WINDOW_MS }, 'draining');
    await sleep(this.config.DRAIN_DELAY_MS);
    const sessions = [...this.hub.sessions()];
    const step = sessions.length > 0 ? this.config.DRAIN_WINDOW_MS / sessions.length : 0;
    for (const session of sessions) {
      session.close('drain');
      if (step >= 1) await sleep(step);
    }
    // A registry it cannot leave keeps routing its users' events here until the entries expire:
    // the drain failed, and says so (the process exits non-zero).
    await this.hub.unregisterAll();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.hub.stopRenewal();
    this.expiry.stop();
    this.revocation.stop();
    for (const session of [...this.hub.sessions()]) session.close('shutdown');
    try {
      await this.hub.unregisterAll();
    } finally {
      await this.broker.stop();
    }
  }
}
