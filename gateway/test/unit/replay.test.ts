// The replayer in-process, on a real Redis (its own prefix), with sessions on fake transports:
// where a fresh session starts, what a resumed one is sent (its log after the position, then
// the celebrity posts it missed, oldest first), and the reset it gets instead when the position
// is out of the log's window or the log was lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '@feed/contracts';
import { Replayer } from '../../src/replay.ts';
import { Session, type SessionHooks } from '../../src/session.ts';
import type { Position } from '../../src/frames.ts';
import { FakeTransport, post } from './fake-transport.ts';
import { testCache, type TestCache } from './redis.ts';

const WINDOW = 4;
let t: TestCache;
let replayer: Replayer;
beforeAll(() => {
  t = testCache('replay', { logMaxLength: WINDOW });
  replayer = new Replayer(t.cache);
});
afterAll(async () => {
  await t.close();
});

const noHooks: SessionHooks = { sendBufferLimit: 1_000_000, onSent: () => {}, onClose: () => {} };
let nextUser = 500;
const newUser = () => String(nextUser++);

/** Appends `event` to the user's log, as the worker does; returns its log id. */
async function append(userId: string, event: LiveEvent, key: string): Promise<string> {
  const [delivery] = await t.cache.fanout.deliver([userId], { feed: 'none', postId: 'postId' in event ? event.postId : '0', eventKey: key, payload: JSON.stringify(event) });
  return delivery!.entry!.id;
}

function resumed(userId: string, from: Position) {
  const transport = new FakeTransport();
  return { s: new Session(userId, 'feed.v1', transport, { ...from }, noHooks), transport };
}

describe('Replayer', () => {
  it('starts a fresh session at the end of its log and of its celebrities\u2019 timelines', async () => {
    const [user, celebA, celebB] = [newUser(), newUser(), newUser()];
    const epoch = await t.cache.logs.open(user);
    expect(await replayer.currentPosition(user, [])).toEqual({ epoch, logId: '0-0', celebrityPostId: '0' });
    const last = await append(user, post('10'), 'created:10');
    await t.cache.timelines.push(celebA, ['300', '310']);
    await t.cache.timelines.push(celebB, ['305']);
    expect(await replayer.currentPosition(user, [celebA, celebB])).toEqual({ epoch, logId: last, celebrityPostId: '310' });
  });

  it('replays the log after the position in log order, then the missed celebrity posts oldest first', async () => {
    const [user, celebrity] = [newUser(), newUser()];
    const epoch = await t.cache.logs.open(user);
    const seen = await append(user, post('10'), 'created:10');
    const missed = [await append(user, post('11'), 'created:11'), await append(user, { type: 'post.deleted', postId: '10', authorId: '7' }, 'deleted:10')];
    await t.cache.timelines.push(celebrity, ['200', '210', '220']);
    // 210 has no body in the post cache (expired): it cannot be sent, and is skipped.
    await t.cache.posts.put([
      { id: '200', text: 'old', author_user_id: celebrity },
      { id: '220', text: 'new', author_user_id: celebrity },
    ]);

    const { s, transport } = resumed(user, { epoch, logId: seen, celebrityPostId: '200' });
    expect(await replayer.catchUp(s, s.position, [celebrity])).toBe(true);
    expect(transport.envelopes().map((e) => [e.type, e.data.id])).toEqual([
      ['post.created', '11'],
      ['post.deleted', '10'],
      ['post.created', '220'],
    ]);
    // Each frame carries the position after it: the log id, then the celebrity post.
    expect(transport.envelopes().map((e) => e.id)).toEqual([`${epoch}.${missed[0]}.200`, `${epoch}.${missed[1]}.200`, `${epoch}.${missed[1]}.220`]);
    expect(s.position).toEqual({ epoch, logId: missed[1], celebrityPostId: '220' });
  });

  // A position taken while none of the user's celebrity timelines was cached (empty, expired,
  // a celebrity promoted since) still starts above every celebrity post written so far.
  it('replays the celebrity posts missed since a position taken while the timelines were empty', async () => {
    const [user, celebrity] = [newUser(), newUser()];
    await t.cache.logs.open(user);
    const start = await replayer.currentPosition(user, [celebrity]);
    expect(start.celebrityPostId).toBe('0');
    await t.cache.timelines.push(celebrity, ['400']);
    await t.cache.posts.put([{ id: '400', text: 'while away', author_user_id: celebrity }]);
    const { s, transport } = resumed(user, start);
    expect(await replayer.catchUp(s, s.position, [celebrity])).toBe(true);
    expect(transport.envelopes().map((e) => e.data.id)).toEqual(['400']);
  });

  it('starts a fresh position above the newest celebrity post even when its timelines are not cached, and replays only what came after', async () => {
    const [user, celebrity] = [newUser(), newUser()];
    await t.cache.logs.open(user);
    await t.cache.timelines.markNewest('500'); // another celebrity's post, before this start
    const start = await replayer.currentPosition(user, [celebrity]);
    expect(BigInt(start.celebrityPostId)).toBeGreaterThanOrEqual(500n);
    await t.cache.timelines.push(celebrity, ['450', '9000']); // 450: older than the start
    await t.cache.posts.put([
      { id: '450', text: 'before the start', author_user_id: celebrity },
      { id: '9000', text: 'while away', author_user_id: celebrity },
    ]);
    const { s, transport } = resumed(user, start);
    try {
      expect(await replayer.catchUp(s, s.position, [celebrity])).toBe(true);
      expect(transport.envelopes().map((e) => e.data.id)).toEqual(['9000']);
    } finally {
      await t.redis.del(t.cache.keys.celebrityPostsNewest()); // the other tests start with none
    }
  });

  it('sends an entry it cannot read as a feed.reset, and goes on with the next', async () => {
    const user = newUser();
    const epoch = await t.cache.logs.open(user);
    await t.cache.fanout.deliver([user], { feed: 'none', postId: '1', eventKey: 'garbled', payload: '{"type":"no.such.event"}' });
    await append(user, post('12'), 'created:12');
    const { s, transport } = resumed(user, { epoch, logId: '0-0', celebrityPostId: '0' });
    expect(await replayer.catchUp(s, s.position, [])).toBe(true);
    expect(transport.envelopes().map((e) => [e.type, e.data.reason ?? e.data.id])).toEqual([
      ['feed.reset', 'unreadable event'],
      ['post.created', '12'],
    ]);
  });

  it('resets a position that fell out of the log window, and continues from the end of the log', async () => {
    const user = newUser();
    const epoch = await t.cache.logs.open(user);
    const first = await append(user, post('20'), 'created:20');
    await append(user, post('21'), 'created:21'); // the position the client has
    for (let i = 22; i < 22 + WINDOW; i++) await append(user, post(String(i)), `created:${i}`);
    const { s, transport } = resumed(user, { epoch, logId: first, celebrityPostId: '0' });
    expect(await replayer.catchUp(s, s.position, [])).toBe(false);
    expect(transport.envelopes()).toEqual([{ id: `${epoch}.${await t.cache.logs.lastId(user)}.0`, type: 'feed.reset', data: { reason: 'resume point out of window' } }]);
  });

  it('resets a position in a log that was lost, and drops the cached feed so the refetch rebuilds it', async () => {
    const user = newUser();
    const oldEpoch = await t.cache.logs.open(user);
    const seen = await append(user, post('30'), 'created:30');
    const lock = (await t.cache.feeds.lock(user, 5_000))!;
    await t.cache.feeds.replace(user, ['30'], lock);
    expect(await t.cache.feeds.page(user, 0, 10)).not.toBeNull();
    await t.redis.del(t.cache.keys.log(user), t.cache.keys.logEpoch(user), t.cache.keys.logIndex(user));
    const newEpoch = await t.cache.logs.open(user);

    const { s, transport } = resumed(user, { epoch: oldEpoch, logId: seen, celebrityPostId: '0' });
    expect(await replayer.catchUp(s, s.position, [])).toBe(false);
    expect(transport.envelopes()).toEqual([{ id: `${newEpoch}.0-0.0`, type: 'feed.reset', data: { reason: 'event log lost' } }]);
    expect(await t.cache.feeds.page(user, 0, 10)).toBeNull();
  });
});
