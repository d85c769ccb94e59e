// Resume: a client that comes back with its last event id gets exactly what it missed, in the
// order of its event log, once each, then the live stream, on the same gateway or another one
// (the log is in Redis), over feed.v1 WebSocket and over SSE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParser } from 'eventsource-parser';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { eventLog, logHolds, online, runtime, splitEventId, startGateway, type Gateway, type LoggedEvent } from './harness.ts';
import { beforeMarker, openFeed, rawSse, type Frame } from './clients.ts';
import { waitFor } from '../../test/support/ports.ts';

let p: Pipeline;
let gw1: Gateway;
let gw2: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  [gw1, gw2] = await Promise.all([startGateway(p), startGateway(p)]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([gw1?.stop('SIGKILL'), gw2?.stop('SIGKILL')]);
  await p?.close();
});

type User = Client & { userId: string };
const anon = () => new Client(p.url);
const create = async (author: User, text: string): Promise<string> => {
  const reply = await author.post('/post/create', { text });
  expect(reply.status).toBe(200);
  return reply.body as string;
};
const isPost = (type: string) => type === 'post.created' || type === 'post.updated' || type === 'post.deleted';

/** The log entries after `lastId` (a client-facing id), as [type, post id] pairs. */
async function missedSince(userId: string, lastId: string): Promise<LoggedEvent[]> {
  const { logId } = splitEventId(lastId);
  const [ms, seq] = logId.split('-').map(BigInt) as [bigint, bigint];
  return (await eventLog(p, userId)).filter((e) => {
    const [ems, eseq] = e.id.split('-').map(BigInt) as [bigint, bigint];
    return ems > ms || (ems === ms && eseq > seq);
  });
}

/** Log ids must strictly increase along what a client received. */
function expectIncreasingLogIds(ids: string[]): void {
  const logIds = ids.map((id) => splitEventId(id).logId.split('-').map(BigInt) as [bigint, bigint]);
  for (let i = 1; i < logIds.length; i++) {
    const [a, b] = [logIds[i - 1]!, logIds[i]!];
    expect(b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]), `log ids increase: ${ids[i - 1]} < ${ids[i]}`).toBe(true);
  }
}

/** A reader following an author, with a feed.v1 session open on `gateway` that saw the follow notice. */
async function followingPair(gateway: Gateway) {
  const [author, reader] = await Promise.all([anon().signUp(), anon().signUp()]);
  const first = await openFeed(gateway.httpUrl, { token: reader.token });
  await online(p, reader.userId, gateway);
  await reader.put(`/friend/set/${author.userId}`);
  await first.waitUntil('the follow notice', (f) => f.some((x) => x.type === 'friend.followed'));
  return { author, reader, first };
}

describe(`resume on ${runtime}`, () => {
  it('feed.v1 with ?since= and ?token= on the same gateway: exactly the missed posts, in log order, once each, then live ones', async () => {
    const { author, reader, first } = await followingPair(gw1);
    const before = [await create(author, 'one'), await create(author, 'two')];
    await first.waitUntil('the first two posts', (f) => f.filter((x) => x.type === 'post.created').length === 2);
    const seen = first.json();
    expect(seen.filter((x) => x.type === 'post.created').map((x) => x.data.id)).toEqual(before);
    const last = seen.at(-1)!.id as string;
    first.close();
    await first.closed;
    await online(p, reader.userId, gw1, false);

    const away = [];
    for (const text of ['three', 'four', 'five']) away.push(await create(author, text));
    await logHolds(p, reader.userId, away);
    const missed = await missedSince(reader.userId, last);
    // The three new posts and nothing else (in the order the worker logged them).
    expect(missed.every((e) => e.type === 'post.created')).toBe(true);
    expect(missed.map((e) => e.postId).sort()).toEqual([...away].sort());

    const back = await openFeed(gw1.httpUrl, { token: reader.token, tokenIn: 'query', since: last });
    await back.waitForCount(3);
    const live = await create(author, 'six');
    await back.waitUntil('the live post', (f) => f.some((x) => x.data?.id === live));
    const all = await beforeMarker(back, () => create(author, 'marker'));
    expect(all.map((x) => [x.type, x.data.id])).toEqual([...missed.map((e) => [e.type, e.postId]), ['post.created', live]]);
    expect(all.map((x) => x.data.text)).toEqual([...missed.map((e) => e.text), 'six']);
    // Each frame's id is its own position in the log, and positions only grow.
    expect(all.slice(0, 3).map((x) => splitEventId(x.id).logId)).toEqual(missed.map((e) => e.id));
    expectIncreasingLogIds([last, ...all.map((x) => x.id)]);
    expect(new Set(all.map((x) => x.id)).size).toBe(all.length);
    back.close();
  });

  it('feed.v1 resumed on the other gateway with the Authorization header: updates and deletes made while away arrive as such', async () => {
    const { author, reader, first } = await followingPair(gw1);
    const [a, b, c] = [await create(author, 'a'), await create(author, 'b'), await create(author, 'c')];
    await first.waitUntil('three posts', (f) => f.filter((x) => x.type === 'post.created').length === 3);
    const last = first.json().at(-1)!.id as string;
    first.close();
    await first.closed;

    expect((await author.put('/post/update', { id: a, text: 'a, edited' })).status).toBe(200);
    expect((await author.put(`/post/delete/${b}`)).status).toBe(200);
    const d = await create(author, 'd');
    await logHolds(p, reader.userId, [a], 'post.updated');
    await logHolds(p, reader.userId, [b], 'post.deleted');
    await logHolds(p, reader.userId, [d]);
    const missed = await missedSince(reader.userId, last);
    expect(missed).toHaveLength(3);

    const back = await openFeed(gw2.httpUrl, { token: reader.token, since: last });
    await back.waitForCount(3);
    await online(p, reader.userId, gw2);
    const e = await create(author, 'e');
    await back.waitUntil('the live post on gw2', (f) => f.some((x) => x.data?.id === e));
    const all = await beforeMarker(back, () => create(author, 'marker'));
    // In log order (the worker may process the three in any order).
    expect(all.map((x) => [x.type, x.data.id])).toEqual([...missed.map((m) => [m.type, m.postId]), ['post.created', e]]);
    const byType = Object.fromEntries(all.slice(0, 3).map((x) => [x.type, x.data]));
    expect(byType['post.updated']).toEqual({ id: a, text: 'a, edited', author_user_id: author.userId });
    expect(byType['post.deleted']).toEqual({ id: b, author_user_id: author.userId });
    expect(byType['post.created']).toEqual({ id: d, text: 'd', author_user_id: author.userId });
    expect(all.some((x) => x.data.id === c)).toBe(false);
    expect(splitEventId(all[0]!.id).epoch).toBe(splitEventId(last).epoch);
    back.close();
  });

  it('SSE: Last-Event-ID header on one gateway, then ?lastEventId= (a fresh EventSource) on the other', async () => {
    const [author, reader] = await Promise.all([anon().signUp(), anon().signUp()]);
    const streamUrl = (gw: Gateway) => `${gw.httpUrl}/post/feed/posted`;
    // The response itself: its type, and a retry interval before any event.
    const wire = await rawSse(streamUrl(gw2), { token: reader.token });
    expect(wire.status).toBe(200);
    expect(wire.headers['content-type']).toMatch(/^text\/event-stream/);
    await waitFor('the retry field', async () => /^retry: \d+$/m.test(wire.raw()));
    wire.close();
    const first = await openFeed(gw2.httpUrl, { token: reader.token, transport: 'sse' });
    await online(p, reader.userId, gw2);
    await reader.put(`/friend/set/${author.userId}`);
    const p1 = await create(author, 'sse one');
    await first.waitUntil('p1 over SSE', (ev) => ev.some((x) => x.type === 'post.created'));
    const last1 = first.events.at(-1)!.id;
    first.close();
    await first.closed;
    await online(p, reader.userId, gw2, false);

    const away1 = [await create(author, 'sse two'), await create(author, 'sse three')];
    await logHolds(p, reader.userId, away1);
    const missed1 = await missedSince(reader.userId, last1);

    const postsOf = (events: Frame[]) => events.filter((x) => isPost(x.type)).map((x) => [x.type, x.data.id]);
    const second = await openFeed(gw1.httpUrl, { token: reader.token, transport: 'sse', since: last1 });
    await second.waitForCount(2);
    await online(p, reader.userId, gw1);
    const p4 = await create(author, 'sse four');
    await second.waitUntil('p4 live over SSE', (ev) => ev.some((x) => x.data.id === p4));
    const secondSaw = await beforeMarker(second, () => create(author, 'sse marker'));
    expect(secondSaw.map((x) => [x.type, x.data.id])).toEqual([...missed1.map((m) => [m.type, m.postId]), ['post.created', p4]]);
    expect(postsOf(second.events).map(([, id]) => id)).not.toContain(p1);
    expectIncreasingLogIds([last1, ...second.events.map((x) => x.id)]);
    const last2 = second.events.at(-1)!.id; // the marker's id
    second.close();
    await online(p, reader.userId, gw1, false);

    const away2 = [await create(author, 'sse five')];
    await logHolds(p, reader.userId, away2);
    // The query parameters a fresh EventSource uses (no header can be set): read off the wire.
    const third = await rawSse(`${streamUrl(gw2)}?lastEventId=${encodeURIComponent(last2)}&token=${encodeURIComponent(reader.token!)}`);
    expect(third.status).toBe(200);
    /** The events' data so far, parsed as EventSource would (eventsource-parser). */
    const dataSoFar = () => {
      const data: string[] = [];
      createParser({ onEvent: (event) => data.push(event.data) }).feed(third.raw());
      return data;
    };
    await waitFor('the replayed post', async () => dataSoFar().length >= 1);
    await online(p, reader.userId, gw2);
    const p6 = await create(author, 'sse six');
    await waitFor('p6 live over SSE', async () => dataSoFar().length >= 2);
    // A marker behind them: a duplicate would arrive ahead of it.
    const marker = await create(author, 'sse marker');
    await waitFor('the marker over SSE', async () => dataSoFar().some((data) => data.includes(marker)));
    expect(dataSoFar()).toEqual([
      JSON.stringify({ id: away2[0], text: 'sse five', author_user_id: author.userId }),
      JSON.stringify({ id: p6, text: 'sse six', author_user_id: author.userId }),
      JSON.stringify({ id: marker, text: 'sse marker', author_user_id: author.userId }),
    ]);
    third.close();
  });

  it('an id issued to a WebSocket client resumes an SSE stream, and a resumed session is not reset', async () => {
    const { author, reader, first } = await followingPair(gw2);
    const p1 = await create(author, 'ws first');
    await first.waitUntil('p1', (f) => f.some((x) => x.data?.id === p1));
    const last = first.json().at(-1)!.id as string;
    first.close();
    await first.closed;
    const p2 = await create(author, 'while away');
    await logHolds(p, reader.userId, [p2]);
    const resumesBefore = await gw1.metric('gateway_resumes_total');
    const resetsBefore = await gw1.metric('gateway_resets_total');
    const sse = await openFeed(gw1.httpUrl, { token: reader.token, transport: 'sse', since: last });
    await sse.waitForCount(1);
    const replayed = await beforeMarker(sse, () => create(author, 'marker'));
    expect(replayed.map((x) => [x.type, x.data.id])).toEqual([['post.created', p2]]);
    expect(await gw1.metric('gateway_resumes_total')).toBe(resumesBefore + 1);
    expect(await gw1.metric('gateway_resets_total')).toBe(resetsBefore);
    sse.close();
  });
});
