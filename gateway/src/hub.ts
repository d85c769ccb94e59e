// The gateway's local hub: which sessions belong to which user, and which local users follow
// which celebrity. It registers its users in the presence registry (so the fan-out worker
// routes their events here), keeps that registration alive, and receives every message from the
// gateway's queue: a live event goes to every local session of every listed user, a revocation
// on to the node's watch.
import type { Cache } from '@feed/cache';
import type { GatewayMessage } from '@feed/contracts';
import type { QueueRouting } from './broker.ts';
import type { Metrics } from './metrics.ts';
import type { Session } from './session.ts';
import { StaggeredSlices } from './staggered.ts';

/**
 * Users per Redis pipeline when refreshing everyone at once: one pipeline of every local user's
 * commands was tens of MB of command objects at once with 10,000 users, which the heap kept.
 */
const REFRESH_SLICE = 500;

interface LocalUser {
  sessions: Set<Session>;
  celebrities: string[];
  /** The user's celebrity follows were never built: asked of the worker, not answered yet. */
  unknown: boolean;
}

export interface HubSettings {
  gatewayId: string;
  presenceTtlMs: number;
  /** Asks the worker to build a user's celebrity follows; it answers with a message to us. */
  requestCelebrityFollows: (userId: string) => void;
  /**
   * A refresh found that Redis forgot something about a local user: our presence entry or their
   * log's epoch (a failover to a replica that had not received it yet, a flush). Events may have
   * passed the user by: their live sessions must catch up from the log (or be reset).
   */
  onLost?: (userId: string, sessions: readonly Session[]) => void;
  /** The queue's routing: told when a user's first session opens here and when their last one closes, and how celebrities' posts arrive. */
  routing?: Pick<QueueRouting, 'userArrived' | 'userLeft' | 'celebrityPosts'>;
  /** Core revoked a token (logout): the streams opened with it close. */
  onRevoked?: (notice: Extract<GatewayMessage, { kind: 'session.revoked' }>) => void;
  /** Counts the messages received and the recipient events they carry. */
  metrics?: Pick<Metrics, 'received' | 'eventsIn'>;
}

export class Hub {
  private readonly users = new Map<string, LocalUser>();
  private readonly followersOf = new Map<string, Set<string>>();
  /** This gateway's own base URL, announced with each heartbeat for the cluster view. */
  url: string | undefined;
  private renewal: StaggeredSlices<string> | undefined;

  constructor(
    private readonly cache: Cache,
    private readonly settings: HubSettings,
  ) {}

  get userCount(): number {
    return this.users.size;
  }

  sessionCount(userId: string): number {
    return this.users.get(userId)?.sessions.size ?? 0;
  }

  *sessions(): IterableIterator<Session> {
    for (const user of this.users.values()) yield* user.sessions;
  }

  /** Whether celebrities' posts come once per post for their audience (not per recipient). */
  private get audiences(): boolean {
    return (this.settings.routing?.celebrityPosts ?? 'audience') === 'audience';
  }

  /**
   * The celebrities a user follows, as the worker keeps them in Redis; null when never built.
   * None when celebrities' posts come per recipient: their posts are in the user's log.
   */
  async celebritiesOf(userId: string): Promise<string[] | null> {
    if (!this.audiences) return [];
    const local = this.users.get(userId);
    if (local) return local.unknown ? null : local.celebrities;
    return (await this.cache.celebrityFollows.get([userId])).get(userId) ?? null;
  }

  /**
   * Adds a session; the first session of a user registers the user here before anything else.
   * Celebrity follows never built (null) are asked of the worker, and followed once it answers.
   */
  async add(session: Session, celebrities: string[] | null): Promise<void> {
    let user = this.users.get(session.userId);
    if (!user) {
      user = { sessions: new Set(), celebrities: [], unknown: celebrities === null };
      this.users.set(session.userId, user);
      if (celebrities) this.follow(session.userId, user, celebrities);
      else this.settings.requestCelebrityFollows(session.userId);
      const { gatewayId, presenceTtlMs } = this.settings;
      await Promise.all([this.cache.presence.register(gatewayId, [session.userId], presenceTtlMs), this.cache.audience.join(gatewayId, celebrities ?? [], presenceTtlMs), this.settings.routing?.userArrived?.(session.userId)]);
    }
    user.sessions.add(session);
  }

  async remove(session: Session): Promise<void> {
    const user = this.users.get(session.userId);
    if (!user?.sessions.delete(session) || user.sessions.size > 0) return;
    this.users.delete(session.userId);
    this.follow(session.userId, user, []);
    await Promise.all([this.cache.presence.unregister(this.settings.gatewayId, [session.userId]), this.settings.routing?.userLeft?.(session.userId)]);
    // A new session of the same user may have arrived while we were unregistering.
    if (this.users.has(session.userId)) {
      await this.cache.presence.register(this.settings.gatewayId, [session.userId], this.settings.presenceTtlMs);
    }
  }

  /** Every message from the gateway's queue (the broker's consumer hands each one here). */
  readonly receive = (message: GatewayMessage): void => {
    this.settings.metrics?.received(message);
    if (message.kind === 'session.revoked') {
      this.settings.onRevoked?.(message);
      return;
    }
    const recipients = this.dispatch(message);
    this.settings.metrics?.eventsIn.inc(recipients);
  };

  /** Live events and celebrity-follows answers: how many local users an event reached. */
  dispatch(message: Exclude<GatewayMessage, { kind: 'session.revoked' }>): number {
    let recipients = 0;
    if (message.kind === 'celebrity-follows') {
      this.learnFollows(message.userId, message.celebrities);
      return 0;
    }
    if (message.kind === 'direct') {
      for (const [userId, epoch, logId, prev] of message.recipients) {
        const user = this.users.get(userId);
        if (!user) continue;
        recipients++;
        for (const s of user.sessions) s.receive({ kind: 'direct', event: message.event, epoch, logId, prev, createdAt: message.createdAt });
        if (message.event.type === 'friend.followed' || message.event.type === 'friend.unfollowed') this.relearnFollows(userId);
      }
    } else {
      for (const userId of this.followersOf.get(message.authorId) ?? []) {
        const user = this.users.get(userId);
        if (!user) continue;
        recipients++;
        for (const s of user.sessions) s.receive({ kind: 'celebrity', event: message.event, createdAt: message.createdAt });
      }
    }
    return recipients;
  }

  /**
   * Everything at once: announces this gateway, renews every local user's presence and joins
   * the celebrity audiences (after an outage, when every session is resynced).
   */
  async refresh(): Promise<void> {
    await this.renew([...this.users.keys()]);
    await this.announce();
  }

  /** Periodic, once a heartbeat period: this gateway's heartbeat and its celebrity audiences. */
  async announce(): Promise<void> {
    const { gatewayId, presenceTtlMs } = this.settings;
    await this.cache.presence.announce(gatewayId, presenceTtlMs, Date.now(), this.url ? { url: this.url } : undefined);
    await this.cache.audience.join(gatewayId, this.followersOf.keys(), presenceTtlMs);
  }

  /**
   * Renews the presence of the local users in each period, a slice at a time spread over the
   * period (`StaggeredSlices`), rather than every user's commands in one burst that Redis, and
   * every fan-out write queued behind it there, would wait through. Each renewal also picks up
   * changes to who follows which celebrity (follows, unfollows, threshold crossings).
   */
  startRenewal(periodMs: number, onError: (err: Error) => void): void {
    this.renewal ??= new StaggeredSlices(this.users, periodMs, (slice) => this.renew(slice).catch(onError));
    this.renewal.start();
  }

  stopRenewal(): void {
    this.renewal?.stop();
  }

  /** Renews presence for some local users, REFRESH_SLICE of them per pipeline. */
  private async renew(users: readonly string[]): Promise<void> {
    const present = users.filter((userId) => this.users.has(userId));
    for (let i = 0; i < present.length; i += REFRESH_SLICE) await this.renewSlice(present.slice(i, i + REFRESH_SLICE));
  }

  private async renewSlice(userIds: readonly string[]): Promise<void> {
    const { gatewayId, presenceTtlMs } = this.settings;
    const renewed = await this.cache.renewal.renew(gatewayId, userIds, presenceTtlMs);
    for (const [userId, { reRegistered, epoch, celebrities }] of renewed) {
      const user = this.users.get(userId);
      if (!user) continue;
      if (this.settings.onLost) this.checkLost(userId, user, reRegistered, epoch);
      if (!this.audiences) continue;
      if (celebrities) {
        user.unknown = false;
        this.follow(userId, user, celebrities);
      } else {
        this.askWorker(userId, user); // still not built: the request or its answer was lost (broker down, Redis flushed)
      }
    }
  }

  /**
   * A user whose presence entry was gone (registered anew by this renewal) or whose log epoch is
   * not the one their live sessions hold has lost state. Sessions still replaying are left alone:
   * their replay reads the log as it is now.
   */
  private checkLost(userId: string, user: LocalUser, reRegistered: boolean, epoch: string | null): void {
    const live = [...user.sessions].filter((s) => s.isLive);
    if (live.length === 0) return;
    if (reRegistered || live.some((s) => s.position.epoch !== epoch)) this.settings.onLost!(userId, live);
  }

  /** Removes this gateway from the registry at once (drain), rather than waiting for expiry. */
  async unregisterAll(): Promise<void> {
    const { gatewayId } = this.settings;
    await this.cache.presence.unregister(gatewayId, this.users.keys());
    await this.cache.audience.leave(gatewayId, this.followersOf.keys());
    await this.cache.presence.withdraw(gatewayId);
  }

  /**
   * A local user followed or unfollowed someone: the worker has already updated their celebrity
   * follows in Redis, so read them now rather than at the user's next renewal, which would let a
   * newly followed celebrity's posts pass them by live until then.
   */
  private relearnFollows(userId: string): void {
    if (!this.audiences) return;
    this.cache.celebrityFollows
      .get([userId])
      .then((lists) => {
        const celebrities = lists.get(userId) ?? null;
        if (celebrities) return this.learnFollows(userId, celebrities);
        const user = this.users.get(userId);
        if (user) this.askWorker(userId, user); // not built (Redis lost it)
      })
      .catch(() => {
        /* read again at the user's next renewal */
      });
  }

  /** The user's celebrity follows are not built: the worker builds them and answers with a message to us. */
  private askWorker(userId: string, user: LocalUser): void {
    user.unknown = true;
    this.settings.requestCelebrityFollows(userId);
  }

  /** The worker's answer to a request: follow the celebrities and join their audiences. */
  private learnFollows(userId: string, celebrities: string[]): void {
    const user = this.users.get(userId);
    if (!user || !this.audiences) return; // left meanwhile, or no audiences to join
    user.unknown = false;
    this.follow(userId, user, celebrities);
    if (celebrities.length === 0) return;
    this.cache.audience.join(this.settings.gatewayId, celebrities, this.settings.presenceTtlMs).catch(() => {
      /* joined again at the next refresh */
    });
  }

  private follow(userId: string, user: LocalUser, celebrities: string[]): void {
    for (const id of user.celebrities) {
      const set = this.followersOf.get(id);
      set?.delete(userId);
      if (set?.size === 0) this.followersOf.delete(id);
    }
    user.celebrities = celebrities;
    for (const id of celebrities) {
      let set = this.followersOf.get(id);
      if (!set) this.followersOf.set(id, (set = new Set()));
      set.add(userId);
    }
  }
}
