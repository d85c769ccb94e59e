// The event log's append bookkeeping against the real Redis: each fresh entry names the one
// before it (a gateway relies on that to spot an event that overtook another), a redelivered
// event is found rather than appended, and a deletion already logged cancels a late creation.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectRedis, createCache, logEventKeys, unlinkMatching, type RedisClient, type Cache, type FanoutStep } from '../src/index.ts';

let redis: RedisClient;
let cache: Cache;
beforeAll(() => {
  redis = connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
  cache = createCache(redis, { prefix: `${inject('redisPrefix')}log-${randomBytes(3).toString('hex')}:`, logMaxLength: 3 });
});
afterAll(async () => {
  await unlinkMatching(redis, `${cache.settings.prefix}*`);
  await redis.quit();
});

const created = (postId: string): FanoutStep => ({
  feed: 'add',
  postId,
  eventKey: logEventKeys.postCreated(postId),
  payload: JSON.stringify({ type: 'post.created', postId }),
  cancelledBy: logEventKeys.postDeleted(postId),
});

describe('appending to a user’s event log', () => {
  it('chains every fresh entry to the one before it, and finds a redelivered one', async () => {
    const user = '1';
    await cache.logs.open(user);
    const [first] = await cache.fanout.deliver([user], created('10'));
    expect(first!.entry!.prev).toBe('0-0');
    const [second] = await cache.fanout.deliver([user], created('11'));
    expect(second!.entry!.prev).toBe(first!.entry!.id);
    const [again] = await cache.fanout.deliver([user], created('10'));
    expect(again!.entry).toEqual({ epoch: first!.entry!.epoch, id: first!.entry!.id, prev: '' });
    expect(await cache.logs.lastId(user)).toBe(second!.entry!.id);
    // Whether a log holds an event, asked through the log's own API; a user without a log holds none.
    expect(await cache.logs.holds([user, 'no-log'], logEventKeys.postCreated('11'))).toEqual([true, false]);
    expect(await cache.logs.holds([user], logEventKeys.postCreated('12'))).toEqual([false]);
  });

  it('keeps the chain across trimming and falls back to the stream when the index lost its newest id', async () => {
    const user = '2';
    await cache.logs.open(user);
    const ids: string[] = [];
    for (const post of ['20', '21', '22', '23', '24']) ids.push((await cache.fanout.deliver([user], created(post)))[0]!.entry!.id);
    // The log keeps 3 entries; the newest id is still the one the next entry follows.
    await redis.hdel(cache.keys.logIndex(user), '_last'); // an index written before '_last' existed
    const [next] = await cache.fanout.deliver([user], created('25'));
    expect(next!.entry!.prev).toBe(ids[4]);
    const [after] = await cache.fanout.deliver([user], created('26'));
    expect(after!.entry!.prev).toBe(next!.entry!.id);
  });

  it('skips a creation whose deletion is already in the log, for the feed and the log alike', async () => {
    const user = '3';
    await cache.logs.open(user);
    await cache.feeds.replace(user, ['29'], (await cache.feeds.lock(user, 5_000))!);
    await cache.fanout.deliver([user], { feed: 'remove', postId: '30', eventKey: 'deleted:30', payload: '{"type":"post.deleted"}' });
    const [late] = await cache.fanout.deliver([user], created('30'));
    expect(late!.entry).toBeNull();
    await cache.fanout.deliver([user], created('31'));
    expect((await cache.feeds.page(user, 0, 10))!.ids).toEqual(['31', '29']);
    const read = await cache.logs.readAfter(user, await cache.logs.open(user), '0-0');
    expect(read.status === 'ok' && read.entries.map((e) => JSON.parse(e.payload).type)).toEqual(['post.deleted', 'post.created']);
  });

  it('appends nothing for a user without a log, yet says where the user is online', async () => {
    const [offline] = await cache.fanout.deliver(['4'], created('40'));
    expect(offline).toEqual({ userId: '4', entry: null, gateways: [] });
    expect(await redis.exists(cache.keys.log('4'), cache.keys.logIndex('4'))).toBe(0);
  });
});
