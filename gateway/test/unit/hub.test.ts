// The hub in-process, on a real Redis (its own prefix): sessions of fake transports, messages
// handed straight to receive() or dispatch(). It takes every message of the gateway's queue
// (counting it, passing a revocation on to the node), registers a user's first session in the presence registry,
// hands a direct message to each session of each listed local user and a celebrity's message to
// the local followers of that celebrity, learns follows from the worker's answer and from follow events (or follows none
// when celebrities' posts come per recipient), unregisters the last session, and on a refresh tells which live users Redis forgot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayMessage } from '@feed/contracts';
import { Hub, type HubSettings } from '../../src/hub.ts';
import { createMetrics } from '../../src/metrics.ts';
import { Session, type SessionHooks } from '../../src/session.ts';
import { FakeTransport, post } from './fake-transport.ts';
import { testCache, type TestCache } from './redis.ts';
import { waitFor } from '../../../test/support/ports.ts';

let t: TestCache;
beforeAll(() => {
  t = testCache('hub');
});
afterAll(async () => {
  await t.close();
});

const TTL = 60_000;
const noHooks: SessionHooks = { sendBufferLimit: 1_000_000, onSent: () => {}, onClose: () => {} };

let nextUser = 100;
const newUser = () => String(nextUser++);

function hub(overrides: Partial<HubSettings> = {}) {
  const requested: string[] = [];
  const lost: [string, number][] = [];
  const h = new Hub(t.cache, {
    gatewayId: `gw${nextUser++}`,
    presenceTtlMs: TTL,
    requestCelebrityFollows: (userId) => void requested.push(userId),
    onLost: (userId, sessions) => void lost.push([userId, sessions.length]),
    ...overrides,
  });
  return { h, requested, lost };
}

/** A live session of `userId` at the start of epoch `epoch`. */
function liveSession(userId: string, epoch = 'e1') {
  const transport = new FakeTransport();
  const s = new Session(userId, 'feed.v1', transport, { epoch, logId: '0-0', celebrityPostId: '0' }, noHooks);
  s.goLive();
  return { s, transport };
}

const directTo = (recipients: string[], postId: string): Extract<GatewayMessage, { kind: 'direct' }> => ({
  kind: 'direct',
  event: post(postId),
  createdAt: 1,
  recipients: recipients.map((userId) => [userId, '', '', ''] as [string, string, string, string]),
});

describe('Hub', () => {
  it("registers a user's first session in the presence registry and unregisters the last one", async () => {
    const gatewayId = `gw-${newUser()}`;
    const { h } = hub({ gatewayId });
    const user = newUser();
    const [a, b] = [liveSession(user), liveSession(user)];
    await h.add(a.s, []);
    expect((await t.cache.presence.lookup([user])).get(user)).toEqual([gatewayId]);
    await h.add(b.s, []);
    expect(h.sessionCount(user)).toBe(2);
    await h.remove(a.s);
    expect((await t.cache.presence.lookup([user])).get(user)).toEqual([gatewayId]);
    await h.remove(b.s);
    expect(h.userCount).toBe(0);
    expect((await t.cache.presence.lookup([user])).get(user) ?? []).toEqual([]);
  });

  it('hands a direct message to every session of each listed local user, and counts the users', async () => {
    const { h } = hub();
    const [one, two, elsewhere] = [newUser(), newUser(), newUser()];
    const sessions = [liveSession(one), liveSession(one), liveSession(two)];
    for (const { s } of sessions) await h.add(s, []);
    expect(h.dispatch(directTo([one, elsewhere], '10'))).toBe(1);
    expect(h.dispatch(directTo([two], '11'))).toBe(1);
    expect(sessions.map(({ transport }) => transport.sent())).toEqual([['10'], ['10'], ['11']]);
  });

  it('receives every message of the queue: counts it, hands a live event to the sessions and a revocation on to the node', async () => {
    const metrics = createMetrics('hub-test');
    const revoked: string[] = [];
    const { h } = hub({ metrics, onRevoked: (notice) => void revoked.push(notice.tokenId) });
    const user = newUser();
    const { s, transport } = liveSession(user);
    await h.add(s, []);
    h.receive({ ...directTo([user], '30'), createdAt: Date.now() });
    h.receive({ kind: 'session.revoked', userId: user, tokenId: 'token-1' });
    expect(transport.sent()).toEqual(['30']);
    expect(revoked).toEqual(['token-1']);
    const value = async (metric: { get(): Promise<{ values: { value: number; metricName?: string }[] }> }, name?: string) => (await metric.get()).values.find((v) => !name || v.metricName === name)?.value;
    expect(await value(metrics.messagesIn)).toBe(2);
    expect(await value(metrics.eventsIn)).toBe(1);
    expect(await value(metrics.receivedAge, 'feed_pipeline_age_seconds_count')).toBe(1);
  });

  it("hands a celebrity's message to its local followers only, and asks the worker about a user whose follows were never built", async () => {
    const gatewayId = `gw-${newUser()}`;
    const { h, requested } = hub({ gatewayId });
    const [celebrity, fan, other, unknown] = [newUser(), newUser(), newUser(), newUser()];
    const [f, o, u] = [liveSession(fan), liveSession(other), liveSession(unknown)];
    await h.add(f.s, [celebrity]);
    await h.add(o.s, []);
    await h.add(u.s, null);
    expect(requested).toEqual([unknown]);
    expect(await h.celebritiesOf(unknown)).toBeNull();
    expect(await t.cache.audience.gateways(celebrity)).toEqual([gatewayId]);

    const audience = (postId: string): Extract<GatewayMessage, { kind: 'audience' }> => ({ kind: 'audience', event: post(postId, celebrity), createdAt: 1, authorId: celebrity });
    expect(h.dispatch(audience('20'))).toBe(1);
    expect([f, o, u].map(({ transport }) => transport.sent())).toEqual([['20'], [], []]);

    // The worker answers: the unknown user follows the celebrity too.
    expect(h.dispatch({ kind: 'celebrity-follows', userId: unknown, celebrities: [celebrity] })).toBe(0);
    expect(await h.celebritiesOf(unknown)).toEqual([celebrity]);
    expect(h.dispatch(audience('21'))).toBe(2);
    expect([f, o, u].map(({ transport }) => transport.sent())).toEqual([['20', '21'], [], ['21']]);

    // The fan's last session leaves: no longer a follower here.
    await h.remove(f.s);
    expect(h.dispatch(audience('22'))).toBe(1);
    expect(u.transport.sent()).toEqual(['21', '22']);
  });

  it('learns a follow or unfollow of a celebrity from its event, without waiting for a renewal', async () => {
    const gatewayId = `gw-${newUser()}`;
    const { h } = hub({ gatewayId });
    const [celebrity, fan] = [newUser(), newUser()];
    const f = liveSession(fan);
    await h.add(f.s, []);
    const audience = (postId: string): Extract<GatewayMessage, { kind: 'audience' }> => ({ kind: 'audience', event: post(postId, celebrity), createdAt: 1, authorId: celebrity });
    const followEvent = (type: 'friend.followed' | 'friend.unfollowed'): Extract<GatewayMessage, { kind: 'direct' }> => ({ ...directTo([fan], '0'), event: { type, authorId: celebrity } });
    const postsSent = () =>
      f.transport
        .envelopes()
        .filter((e) => e.type === 'post.created')
        .map((e) => String(e.data.id));

    // The worker writes the follow into Redis, then sends its event through the fan's log.
    await t.cache.celebrityFollows.replace(fan, [celebrity]);
    h.dispatch(followEvent('friend.followed'));
    await waitFor('the gateway to join the celebrity’s audience', async () => (await t.cache.audience.gateways(celebrity)).includes(gatewayId));
    expect(await h.celebritiesOf(fan)).toEqual([celebrity]);
    expect(h.dispatch(audience('40'))).toBe(1);

    await t.cache.celebrityFollows.replace(fan, []);
    h.dispatch(followEvent('friend.unfollowed'));
    await waitFor('the gateway to drop the follow', async () => (await h.celebritiesOf(fan))?.length === 0);
    expect(h.dispatch(audience('41'))).toBe(0);
    expect(postsSent()).toEqual(['40']);
  });

  it("follows no celebrity when celebrities' posts come per recipient, however Redis or the worker says they are followed", async () => {
    const gatewayId = `gw-${newUser()}`;
    const { h, requested } = hub({ gatewayId, routing: { celebrityPosts: 'per-recipient' } });
    const [celebrity, fan] = [newUser(), newUser()];
    await t.cache.celebrityFollows.replace(fan, [celebrity]);
    expect(await h.celebritiesOf(fan)).toEqual([]);
    const f = liveSession(fan);
    await h.add(f.s, await h.celebritiesOf(fan));
    expect(h.dispatch({ kind: 'celebrity-follows', userId: fan, celebrities: [celebrity] })).toBe(0);
    await h.refresh();
    // Nothing asked of the worker, no audience joined: the celebrity's posts come in the fan's log.
    expect(requested).toEqual([]);
    expect(await t.cache.audience.gateways(celebrity)).toEqual([]);
    expect(await h.celebritiesOf(fan)).toEqual([]);
    expect(h.dispatch({ kind: 'audience', event: post('30', celebrity), createdAt: 1, authorId: celebrity })).toBe(0);
    expect(h.dispatch(directTo([fan], '31'))).toBe(1);
    expect(f.transport.sent()).toEqual(['31']);
  });

  it('on a refresh, reports live users whose presence entry or log epoch Redis forgot', async () => {
    const gatewayId = `gw-${newUser()}`;
    const { h, lost } = hub({ gatewayId });
    const [kept, forgotten, newEpoch, replaying] = [newUser(), newUser(), newUser(), newUser()];
    const epochs = new Map<string, string>();
    for (const user of [kept, forgotten, newEpoch, replaying]) epochs.set(user, await t.cache.logs.open(user));
    for (const user of [kept, forgotten, newEpoch]) await h.add(liveSession(user, epochs.get(user)!).s, []);
    // Still replaying (not live): its replay reads the log as it is, so it is left alone.
    const stillReplaying = new Session(replaying, 'feed.v1', new FakeTransport(), { epoch: 'old', logId: '0-0', celebrityPostId: '0' }, noHooks);
    await h.add(stillReplaying, []);

    await h.refresh();
    expect(lost).toEqual([]);

    await t.cache.presence.unregister(gatewayId, [forgotten]);
    await t.redis.del(t.cache.keys.logEpoch(newEpoch));
    await h.refresh();
    expect(lost.sort()).toEqual(
      [
        [forgotten, 1],
        [newEpoch, 1],
      ].sort(),
    );
    // The refresh registered the forgotten user again.
    expect((await t.cache.presence.lookup([forgotten])).get(forgotten)).toEqual([gatewayId]);
  });

  it('renews every local user’s presence within a period, a slice at a time', async () => {
    const gatewayId = `gw-${newUser()}`;
    const { h } = hub({ gatewayId });
    const users = Array.from({ length: 30 }, () => newUser());
    for (const user of users) await h.add(liveSession(user, await t.cache.logs.open(user)).s, []);
    const expiry = (user: string) => t.redis.zscore(t.cache.keys.presence(user), gatewayId).then(Number);
    const before = await Promise.all(users.map(expiry));
    h.startRenewal(300, (err) => {
      throw err;
    });
    try {
      await waitFor('every user renewed', async () => (await Promise.all(users.map(expiry))).every((at, i) => at > before[i]!));
    } finally {
      h.stopRenewal();
    }
  });
});
