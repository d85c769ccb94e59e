// When resuming is impossible the client is told so with feed.reset (and refetches), then gets
// the live stream: a resume id older than the log window, a log that was lost (new epoch),
// and an id that is not one of ours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { eventLog, logHolds, online, runtime, splitEventId, startGateway, type Gateway } from './harness.ts';
import { beforeMarker, openFeed } from './clients.ts';

const WINDOW = 5;
let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  // The worker trims the logs; the gateway gets the same window through the harness.
  p = await startPipeline({ EVENT_LOG_LENGTH: String(WINDOW) });
  await p.startWorker();
  gw = await startGateway(p);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([gw?.stop('SIGKILL')]);
  await p?.close();
});

type User = Client & { userId: string };
const create = async (author: User, text: string): Promise<string> => {
  const reply = await author.post('/post/create', { text });
  expect(reply.status).toBe(200);
  return reply.body as string;
};

/** A reader following an author, whose feed.v1 session saw one post; returns its last id, closed. */
async function readerWithLastId() {
  const anon = new Client(p.url);
  const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
  const first = await openFeed(gw.httpUrl, { token: reader.token });
  await online(p, reader.userId, gw);
  await reader.put(`/friend/set/${author.userId}`);
  const p1 = await create(author, 'seen');
  await first.waitUntil('the first post', (f) => f.some((x) => x.data?.id === p1));
  const last = first.json().at(-1)!.id as string;
  first.close();
  await first.closed;
  return { author, reader, last };
}

describe(`feed.reset on ${runtime}`, () => {
  it('a resume id older than the log window gets feed.reset, none of the stale replay, then live posts', async () => {
    const { author, reader, last } = await readerWithLastId();
    const away: string[] = [];
    for (let i = 0; i < WINDOW + 3; i++) away.push(await create(author, `away ${i}`));
    await logHolds(p, reader.userId, away.slice(-1));
    await expect.poll(async () => (await eventLog(p, reader.userId)).length).toBe(WINDOW);
    const resetsBefore = await gw.metric('gateway_resets_total');

    const back = await openFeed(gw.httpUrl, { token: reader.token, since: last });
    const reset = (await back.waitForCount(1))[0]!;
    expect(reset.type).toBe('feed.reset');
    expect(reset.data.reason).toMatch(/window/);
    // The reset carries the position to continue from: the end of the current log, same epoch.
    const logNow = await eventLog(p, reader.userId);
    expect(splitEventId(reset.id)).toMatchObject({ epoch: splitEventId(last).epoch, logId: logNow.at(-1)!.id });
    expect(await gw.metric('gateway_resets_total')).toBe(resetsBefore + 1);

    const live = await create(author, 'after the reset');
    await back.waitUntil('the live post', (f) => f.some((x) => x.data?.id === live));
    const frames = await beforeMarker(back, () => create(author, 'marker'));
    expect(frames.map((x) => x.type)).toEqual(['feed.reset', 'post.created']);
    expect(frames[1]!.data).toEqual({ id: live, text: 'after the reset', author_user_id: author.userId });

    // The id after a reset resumes normally (the marker's id: the last one the client saw).
    const resumeFrom = back.json().at(-1)!.id;
    back.close();
    await back.closed;
    const again = await create(author, 'after that');
    await logHolds(p, reader.userId, [again]);
    const sse = await openFeed(gw.httpUrl, { token: reader.token, transport: 'sse', since: resumeFrom });
    await sse.waitForCount(1);
    const resumed = await beforeMarker(sse, () => create(author, 'marker after that'));
    expect(resumed.map((e) => [e.type, e.data.id])).toEqual([['post.created', again]]);
    sse.close();
  });

  it("a resume after the user's log was lost (keys deleted, new epoch) gets feed.reset over WebSocket and SSE", async () => {
    const { author, reader, last } = await readerWithLastId();
    const keys = p.cache.keys;
    expect(await p.redis.del(keys.log(reader.userId), keys.logEpoch(reader.userId), keys.logIndex(reader.userId))).toBeGreaterThan(0);
    // Its fan-out may run before or after the new log exists: it is then skipped or delivered.
    const gone = await create(author, 'while the log is gone');

    const ws = await openFeed(gw.httpUrl, { token: reader.token, since: last });
    const reset = (await ws.waitForCount(1))[0]!;
    expect(reset).toMatchObject({ type: 'feed.reset', data: { reason: 'event log lost' } });
    const newEpoch = splitEventId(reset.id).epoch;
    expect(newEpoch).not.toBe(splitEventId(last).epoch);
    expect(await p.redis.get(keys.logEpoch(reader.userId))).toBe(newEpoch);

    // The old id also fails over SSE; an id from an epoch that never existed too.
    const sse = await openFeed(gw.httpUrl, { token: reader.token, transport: 'sse', since: last });
    await sse.waitForCount(1);
    expect(sse.events[0]).toMatchObject({ type: 'feed.reset', data: { reason: 'event log lost' } });
    expect(splitEventId(sse.events[0]!.id).epoch).toBe(newEpoch);
    const bogusEpoch = await openFeed(gw.httpUrl, { token: reader.token, transport: 'sse', since: 'nosuchepoch.1-0.0' });
    await bogusEpoch.waitForCount(1);
    expect(bogusEpoch.events[0]!.type).toBe('feed.reset');

    // Both continue live in the new log.
    const live = await create(author, 'new log');
    await ws.waitUntil('live post on ws', (f) => f.some((x) => x.data?.id === live));
    await sse.waitUntil('live post on sse', (ev) => ev.some((e) => e.type === 'post.created'));
    expect(splitEventId(ws.json().at(-1)!.id).epoch).toBe(newEpoch);
    const [first, ...rest] = ws.json();
    expect(first!.type).toBe('feed.reset');
    expect(rest.map((x) => x.type).every((t) => t === 'post.created')).toBe(true);
    expect(rest.filter((x) => x.data.id === live)).toHaveLength(1);
    expect(rest.every((x) => x.data.id === live || x.data.id === gone)).toBe(true);
    ws.close();
    sse.close();
    bogusEpoch.close();
  });

  it('an unparseable resume id gets feed.reset, then live posts', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    for (const since of ['garbage', '1.2.3.4', 'abc.notanid.0', 'x'.repeat(100)]) {
      const ws = await openFeed(gw.httpUrl, { token: reader.token, since });
      const reset = (await ws.waitForCount(1))[0]!;
      expect(reset, since).toMatchObject({ type: 'feed.reset', data: { reason: 'unknown resume id' } });
      expect(splitEventId(reset.id).epoch).toMatch(/^[A-Za-z0-9_-]+$/);
      ws.close();
      await ws.closed;
    }
    const sse = await openFeed(gw.httpUrl, { token: reader.token, transport: 'sse', since: '<script>' });
    await sse.waitForCount(1);
    expect(sse.events[0]).toMatchObject({ type: 'feed.reset', data: { reason: 'unknown resume id' } });

    const ws = await openFeed(gw.httpUrl, { token: reader.token, since: '\u2603' });
    await ws.waitForCount(1);
    await online(p, reader.userId, gw);
    await reader.put(`/friend/set/${author.userId}`);
    const live = await create(author, 'live after a bad id');
    await ws.waitUntil('the live post', (f) => f.some((x) => x.data?.id === live));
    await sse.waitUntil('the live post over SSE', (ev) => ev.some((e) => e.type === 'post.created'));
    const seen = await beforeMarker(ws, () => create(author, 'marker'));
    expect(seen[0]!.type).toBe('feed.reset');
    expect(seen.filter((x) => x.type === 'post.created').map((x) => x.data.id)).toEqual([live]);
    ws.close();
    sse.close();
  });
});
