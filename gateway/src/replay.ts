// Bringing a session up to date: from its resume position, or from "now" for a fresh one.
import { liveEvent, type LiveEvent } from '@feed/contracts';
import type { Cache } from '@feed/cache';
import type { Position } from './frames.ts';
import type { Session } from './session.ts';

/** At most this many missed celebrity posts are replayed per celebrity. */
const CELEBRITY_CATCH_UP = 100;

export class Replayer {
  constructor(private readonly cache: Cache) {}

  /**
   * The position of a client that starts now: the end of its log, and above every celebrity post
   * written so far (the newest one marked, or a newer head of its celebrities' timelines), so a
   * later resume replays the celebrity posts written after this start and none from before it.
   */
  async currentPosition(userId: string, celebrities: readonly string[]): Promise<Position> {
    // The log's two reads go in order (open may drop orphaned entries); the celebrity floor's
    // two reads are independent of them, so a new session waits for two round trips, not four.
    const [[epoch, logId], latest, newest] = await Promise.all([
      this.cache.logs.open(userId).then(async (epoch) => [epoch, await this.cache.logs.lastId(userId)] as const),
      this.cache.timelines.latest(celebrities, 1),
      this.cache.timelines.newest(),
    ]);
    const heads = [...latest.map((ids) => ids?.[0] ?? '0'), newest];
    const celebrityPostId = heads.reduce((max, id) => (BigInt(id) > BigInt(max) ? id : max), '0');
    return { epoch, logId, celebrityPostId };
  }

  /**
   * Sends a registered (buffering) session what it missed since `from`, or a reset when that is
   * impossible; returns false on a reset. The caller then lets the session go live.
   */
  async catchUp(session: Session, from: Position, celebrities: readonly string[]): Promise<boolean> {
    const read = await this.cache.logs.readAfter(session.userId, from.epoch, from.logId);
    if (read.status === 'reset') {
      // A log that lost entries lost them beside the feed writes of the same fan-outs (same
      // slot, same master): drop the cached feed, so the client's refetch rebuilds it from
      // Postgres instead of reading a feed that silently misses those posts.
      if (read.reason === 'lost') await this.cache.feeds.drop(session.userId);
      session.reset(read.reason === 'window' ? 'resume point out of window' : 'event log lost', await this.currentPosition(session.userId, celebrities));
      return false;
    }
    const events: { event: LiveEvent; logId?: string; celebrityPostId?: string }[] = [];
    for (const entry of read.entries) {
      const parsed = liveEvent.safeParse(JSON.parse(entry.payload));
      events.push(parsed.success ? { event: parsed.data, logId: entry.id } : { event: { type: 'feed.reset', reason: 'unreadable event' }, logId: entry.id });
    }
    events.push(...(await this.missedCelebrityPosts(from.celebrityPostId, celebrities)));
    session.replay(events);
    return true;
  }

  /** Celebrity posts newer than `afterPostId`, oldest first, with bodies from the post cache. */
  private async missedCelebrityPosts(afterPostId: string, celebrities: readonly string[]) {
    // '0': the session started before any celebrity post was written, so every one is missed.
    if (celebrities.length === 0) return [];
    const after = BigInt(afterPostId);
    const ids = (await this.cache.timelines.latest(celebrities, CELEBRITY_CATCH_UP))
      .flatMap((list) => list ?? [])
      .filter((id) => BigInt(id) > after)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const bodies = await this.cache.posts.get(ids);
    return ids.flatMap((id) => {
      const post = bodies.get(id);
      if (!post) return [];
      const event: LiveEvent = { type: 'post.created', postId: post.id, authorId: post.author_user_id, text: post.text };
      return [{ event, celebrityPostId: id }];
    });
  }
}
