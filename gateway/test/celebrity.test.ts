// A celebrity's posts reach the gateway as one message for all its local followers (not one
// per follower), which the gateway hands to each follower's sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { online, startGateway, runtime, type Gateway } from './harness.ts';
import { openWs, type WsClient } from './clients.ts';

let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  p = await startPipeline({ CELEBRITY_THRESHOLD: '5' });
  await p.startWorker();
  gw = await startGateway(p);
}, 90_000);

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await p?.close();
});

const createdPosts = (c: WsClient) => c.json().filter((f) => f.type === 'post.created').map((f) => f.data.id as string);

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

    const clients = await Promise.all(followers.map((f) => openWs(gw.wsUrl, { token: f.token, protocol: 'feed.v1' })));
    for (const f of followers) await online(p, f.userId, gw);

    const posts: string[] = [];
    for (let i = 0; i < 3; i++) posts.push((await celebrity!.post('/post/create', { text: `famous ${i}` })).body as string);
    const direct = (await ordinary!.post('/post/create', { text: 'just me' })).body as string;

    await waitFor('every follower to get all three', async () => clients.every((c) => posts.every((id) => createdPosts(c).includes(id))));
    await waitFor('the direct post', async () => createdPosts(clients[0]!).includes(direct));
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show
    for (const c of clients) {
      expect(createdPosts(c).filter((id) => id !== direct && id !== first)).toEqual(posts);
    }
    expect(createdPosts(clients[0]!).filter((id) => id === direct)).toHaveLength(1);
    for (const c of clients) c.close();
  });
});
