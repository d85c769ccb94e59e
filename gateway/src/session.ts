// One client connection, whatever the transport. A session starts by buffering live events,
// replays what the client missed from the user's event log (and celebrities' timelines), then
// flushes the buffer, dropping anything already sent: subscribe, replay, de-duplicate, so
// nothing falls between the replay and the live stream. Every event advances the session's
// position, which is the id the client resumes from. A live event that says its log entry
// follows another than the last one sent overtook an event still on its way (concurrent or
// redelivered fan-outs): the session pauses and the gap is filled from the log, in log order,
// rather than skipping the slower event when it arrives with an older id.
import { compareStreamIds } from '@feed/cache';
import type { LiveEvent } from '@feed/contracts';
import { carriesId, encode, formatEventId, type Position, type Protocol } from './frames.ts';

export type CloseReason = 'slow' | 'expired' | 'revoked' | 'drain' | 'rate' | 'shutdown';

/** A transport adapter: how bytes reach the client and how the connection ends. */
export interface Transport {
  readonly kind: 'websocket' | 'sse';
  /** One frame: text, or its UTF-8 bytes (sent as text, not binary). */
  write(frame: string | Uint8Array): void;
  /** Bytes accepted but not yet handed to the network. */
  buffered(): number;
  close(reason: CloseReason): void;
}

/** A live event as the hub hands it over. */
export type Incoming =
  /**
   * `prev`: the log entry before this one ('' unknown; absent: not checked). `checked`: a
   * catch-up already ran for this event (set by the session).
   */
  { kind: 'direct'; event: LiveEvent; epoch: string; logId: string; prev?: string; createdAt: number; checked?: boolean } | { kind: 'celebrity'; event: LiveEvent; createdAt: number };

export interface SessionHooks {
  sendBufferLimit: number;
  onSent(session: Session, createdAt: number | undefined): void;
  onClose(session: Session, reason: CloseReason): void;
  /** The session paused on a gap before a live event: fill it from the log, then goLive(). */
  onGap?(session: Session): void;
}

let nextSessionId = 1;

/** Celebrity post ids a session remembers having sent, for de-duplication. */
const CELEBRITY_SENT_MAX = 256;
/** Log epochs a session remembers having left (each loss of the user's log is one). */
const LEFT_EPOCHS_MAX = 8;

export class Session {
  readonly id = nextSessionId++;
  private live = false;
  private pending: Incoming[] = [];
  private closed = false;
  /** Off for one flush when filling a gap failed (Redis unreachable): send as they come. */
  private gapChecks = true;
  /** Celebrity posts up to this id were covered by the session's starting position. */
  private celebrityFloor: bigint;
  /** Celebrity posts above the floor already sent, oldest first (bounded); made on first use. */
  private celebritySent: Set<string> | undefined;
  /**
   * Bytes of a replay still queued for the client. A replay is a burst by design, bounded by the
   * log's length; it is not held against the client, but whatever it has not drained yet is.
   */
  private replayAllowance = 0;
  /**
   * Epochs of logs this session has left (made on first use). A late event of one (a gateway
   * behind on its queue, a fan-out retried after the loss) is dropped: resetting back to a dead
   * log would reset the client again at the next event of the live one.
   */
  private leftEpochs: string[] | undefined;

  constructor(
    readonly userId: string,
    readonly protocol: Protocol,
    readonly transport: Transport,
    public position: Position,
    private readonly hooks: SessionHooks,
  ) {
    this.celebrityFloor = BigInt(position.celebrityPostId);
  }

  get isLive(): boolean {
    return this.live;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** From the hub; buffered until the replay is done. */
  receive(item: Incoming): void {
    if (this.closed) return;
    if (!this.live) this.pending.push(item);
    else this.apply(item);
  }

  /** Sends replayed events (already in order); each advances the position. */
  replay(events: readonly { event: LiveEvent; logId?: string; celebrityPostId?: string }[]): void {
    for (const { event, logId, celebrityPostId } of events) {
      if (logId) this.position.logId = logId;
      if (celebrityPostId) this.rememberCelebrityPost(celebrityPostId);
      this.send(event, undefined, true);
    }
  }

  /** The client's state cannot be resumed: tell it to refetch, and continue from `position`. */
  reset(reason: string, position: Position): void {
    if (position.epoch !== this.position.epoch) this.leaveEpoch(this.position.epoch);
    this.position = position;
    this.celebrityFloor = BigInt(position.celebrityPostId);
    this.celebritySent = undefined;
    this.send({ type: 'feed.reset', reason }, undefined);
  }

  /**
   * Replay is over: flush what arrived meanwhile, without what the replay already sent. With
   * `checkGaps` false (a gap fill failed), events are sent as they are, as before gap checks.
   */
  goLive(checkGaps = true): void {
    this.live = true;
    this.gapChecks = checkGaps;
    const pending = this.pending;
    this.pending = [];
    for (let i = 0; i < pending.length; i++) {
      this.apply(pending[i]!);
      if (!this.live) {
        // A gap: the rest waits behind the event that found it.
        this.pending.push(...pending.slice(i + 1));
        break;
      }
    }
    this.gapChecks = true;
  }

  /** Back to buffering, for a resync after the gateway may have missed events. */
  pause(): void {
    this.live = false;
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.transport.close(reason);
    this.hooks.onClose(this, reason);
  }

  /** The transport ended on its own (client left, network error). */
  ended(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.hooks.onClose(this, 'shutdown');
  }

  private apply(item: Incoming): void {
    if (item.kind === 'direct') {
      if (!item.logId && item.prev !== undefined && !item.checked && this.gapChecks && this.hooks.onGap) {
        // No log entry for a user with an open session: the log was lost (Redis flushed or
        // restarted empty). Catch up once: the replay finds the epoch gone and resets the client,
        // which refetches its feed; without this the session would go on without positions and
        // never learn that what came before the loss is only in the feed now.
        item.checked = true;
        this.live = false;
        this.pending.push(item);
        this.hooks.onGap(this);
        return;
      }
      if (item.logId) {
        if (item.epoch !== this.position.epoch) {
          if (this.leftEpochs?.includes(item.epoch)) return; // late, from a log already left
          // The user's log was recreated (lost): old positions mean nothing any more.
          this.reset('event log lost', { ...this.position, epoch: item.epoch, logId: item.logId });
          if (this.protocol === 'asyncapi') this.send(item.event, item.createdAt);
          return;
        }
        if (compareStreamIds(item.logId, this.position.logId) <= 0) return; // already sent
        if (this.gapChecks && item.prev !== undefined && item.prev !== this.position.logId && this.hooks.onGap) {
          // Entries between our position and this one have not come by: fill from the log.
          this.live = false;
          this.pending.push(item);
          this.hooks.onGap(this);
          return;
        }
        this.position.logId = item.logId;
      }
      this.send(item.event, item.createdAt);
      return;
    }
    if (item.event.type === 'post.created') {
      // Celebrity posts can arrive out of id order (competing workers, two celebrities posting
      // at once), so "not above the highest id sent" would drop a live post this session never
      // had. Drop only what the session's start (or replay) covered, or what it already sent.
      const postId = item.event.postId;
      if (BigInt(postId) <= this.celebrityFloor || this.celebritySent?.has(postId)) return; // already sent
      this.rememberCelebrityPost(postId);
    }
    this.send(item.event, item.createdAt);
  }

  private leaveEpoch(epoch: string): void {
    const left = (this.leftEpochs ??= []);
    if (!left.includes(epoch)) left.push(epoch);
    if (left.length > LEFT_EPOCHS_MAX) left.shift();
  }

  private rememberCelebrityPost(postId: string): void {
    const sent = (this.celebritySent ??= new Set());
    sent.add(postId);
    if (sent.size > CELEBRITY_SENT_MAX) {
      const oldest = sent.values().next().value!;
      sent.delete(oldest);
      if (BigInt(oldest) > this.celebrityFloor) this.celebrityFloor = BigInt(oldest);
    }
    if (BigInt(postId) > BigInt(this.position.celebrityPostId)) this.position.celebrityPostId = postId;
  }

  private send(event: LiveEvent, createdAt: number | undefined, replaying = false): void {
    if (this.closed) return;
    const frame = encode(this.protocol, event, carriesId(this.protocol) ? formatEventId(this.position) : '');
    if (frame === null) return;
    this.transport.write(frame);
    this.hooks.onSent(this, createdAt);
    const buffered = this.transport.buffered();
    if (replaying) {
      this.replayAllowance = buffered;
      return;
    }
    // The allowance shrinks as the replay drains and never grows back.
    if (buffered < this.replayAllowance) this.replayAllowance = buffered;
    // A client that does not read would make us hold its events without bound.
    if (buffered > this.hooks.sendBufferLimit + this.replayAllowance) this.close('slow');
  }
}
