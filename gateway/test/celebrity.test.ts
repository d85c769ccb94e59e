// A celebrity's posts reach the gateway as one message for all its local followers (not one
// per follower), which the gateway hands to each follower's sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { online, startGateway, runtime, type Gateway } from './harness.ts';
import { beforeMarker, openFeed, type FeedStream } from './clients.ts';

let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  p = await startPipeline({ CELEBRITY_THRESHOLD: '5' });
  await p.startWorker();
  // No renewal within a test: what the gateway learns of follows, it learns from their events.
  gw = await startGateway(p, { PRESENCE_REFRESH_MS: '3600000', PRESENCE_TTL_MS: '7200000' });
}, 90_000);

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await p?.close();
});

const createdPosts = (c: FeedStream) =>
  c
    .json()
    .filter((f) => f.type === 'post.created')
    .map((f) => f.data.id as string);

describe(`celebrity posts on ${runtime}`, () => {
  it('reach every local follower once and in order, beside direct posts', async () => {
    const anon = new Client(p.url);
    const [celebrity, ordinary, ...followers] = await Promise.all(Array.from({ length: 14 }, () => anon.signUp()));
    for (const f of followers) await f.put(`/friend/set/${celebrity!.userId}`);
    await followers[0]!.put(`/friend/set/${ordinary!.userId}`);
    // Each follower reads the feed first, as the app does: that builds their list of celebrities.
    for (const f of followers) expect((await f.get('/post/feed')).status).toBe(200);
    // The first post makes the author a celebrity (12 followers > 5) and tells the followers' lists.
    const first = (await celebrity!.post('/post/create', { text: 'now famous' })).body as string;
    await waitFor('the followers to know the celebrity', async () => {
      const lists = await p.cache.celebrityFollows.get(followers.map((f) => f.userId));
      return [...lists.values()].every((l) => l?.includes(celebrity!.userId));
    });

    const clients = await Promise.all(followers.map((f) => openFeed(gw.httpUrl, { token: f.token })));
    for (const f of followers) await online(p, f.userId, gw);

    const posts: string[] = [];
    for (let i = 0; i < 3; i++) posts.push((await celebrity!.post('/post/create', { text: `famous ${i}` })).body as string);
    const direct = (await ordinary!.post('/post/create', { text: 'just me' })).body as string;

    await waitFor('every follower to get all three', async () => clients.every((c) => posts.every((id) => createdPosts(c).includes(id))));
    await waitFor('the direct post', async () => createdPosts(clients[0]!).includes(direct));
    // Markers behind them, from each author: a duplicate would arrive ahead of its author's marker.
    const celebrityMarker = (await celebrity!.post('/post/create', { text: 'famous marker' })).body as string;
    const directMarker = (await ordinary!.post('/post/create', { text: 'my marker' })).body as string;
    await waitFor('every follower to get the celebrity marker', async () => clients.every((c) => createdPosts(c).includes(celebrityMarker)));
    await waitFor('the direct marker', async () => createdPosts(clients[0]!).includes(directMarker));
    for (const c of clients) {
      const seen = createdPosts(c);
      expect(seen.slice(0, seen.indexOf(celebrityMarker)).filter((id) => id !== direct && id !== first && id !== directMarker)).toEqual(posts);
    }
    const seen0 = createdPosts(clients[0]!);
    expect(seen0.slice(0, seen0.indexOf(directMarker)).filter((id) => id === direct)).toHaveLength(1);
    for (const c of clients) c.close();
  });

  it('reach a follower who opened the stream before ever reading the feed (no celebrity list yet)', async () => {
    const anon = new Client(p.url);
    const [celebrity, ...fans] = await Promise.all(Array.from({ length: 8 }, () => anon.signUp()));
    for (const f of fans) await f.put(`/friend/set/${celebrity!.userId}`);
    await celebrity!.post('/post/create', { text: 'famous now' }); // crosses the threshold (7 > 5)
    await waitFor('the author to count as a celebrity', async () => (await p.redis.sismember(p.cache.keys.celebrities(), celebrity!.userId)) === 1);
    const bare = fans[0]!; // never calls /post/feed: nothing has built their celebrity list
    expect((await p.cache.celebrityFollows.get([bare.userId])).get(bare.userId)).toBeNull();

    const client = await openFeed(gw.httpUrl, { token: bare.token });
    await online(p, bare.userId, gw);
    // The gateway asks the worker, which builds the list from Postgres and answers the gateway.
    await waitFor('the gateway to join the celebrity audience', async () => (await p.cache.audience.gateways(celebrity!.userId)).includes(gw.id));
    expect((await p.cache.celebrityFollows.get([bare.userId])).get(bare.userId)).toEqual([celebrity!.userId]);

    const post = (await celebrity!.post('/post/create', { text: 'for the early bird' })).body as string;
    await waitFor('the live post', async () => createdPosts(client).includes(post));
    const seen = await beforeMarker(client, async () => (await celebrity!.post('/post/create', { text: 'marker' })).body as string);
    expect(seen.filter((f) => f.type === 'post.created' && f.data.id === post)).toHaveLength(1);
    client.close();
  });

  it('reach a connected user from the first post after they follow the celebrity', async () => {
    const anon = new Client(p.url);
    const [celebrity, late, ...fans] = await Promise.all(Array.from({ length: 8 }, () => anon.signUp()));
    for (const f of fans) await f.put(`/friend/set/${celebrity!.userId}`);
    await celebrity!.post('/post/create', { text: 'famous now' }); // crosses the threshold (6 > 5)
    await waitFor('the author to count as a celebrity', async () => (await p.redis.sismember(p.cache.keys.celebrities(), celebrity!.userId)) === 1);
    expect((await late!.get('/post/feed')).status).toBe(200); // builds their (empty) list of celebrities
    const client = await openFeed(gw.httpUrl, { token: late!.token });
    await online(p, late!.userId, gw);
    expect(await p.cache.audience.gateways(celebrity!.userId)).toEqual([]); // none of its followers is here yet

    await late!.put(`/friend/set/${celebrity!.userId}`);
    await waitFor('the follow’s event', async () => client.json().some((f) => f.type === 'friend.followed'));
    await waitFor('the gateway to join the celebrity audience', async () => (await p.cache.audience.gateways(celebrity!.userId)).includes(gw.id));
    const post = (await celebrity!.post('/post/create', { text: 'for the new follower' })).body as string;
    const seen = await beforeMarker(client, async () => (await celebrity!.post('/post/create', { text: 'marker' })).body as string);
    expect(seen.filter((f) => f.type === 'post.created').map((f) => f.data.id)).toEqual([post]);
    client.close();
  });
});
