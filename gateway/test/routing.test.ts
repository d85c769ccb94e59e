import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { startGateway, runtime, type Gateway } from './harness.ts';
import { openFeed, openWs } from './clients.ts';

let p: Pipeline;
let gw1: Gateway;
let gw2: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  [gw1, gw2] = await Promise.all([startGateway(p), startGateway(p)]);
}, 90_000);

afterAll(async () => {
  await Promise.all([gw1?.stop('SIGKILL'), gw2?.stop('SIGKILL')]);
  await p?.close();
});

const online = (userId: string, gateway: Gateway) => waitFor(`user ${userId} registered on ${gateway.id}`, async () => (await p.cache.presence.lookup([userId])).get(userId)?.includes(gateway.id));

describe(`gateway routing on ${runtime}`, () => {
  it('delivers a post to a follower on one gateway and sends nothing to a gateway holding only non-followers', async () => {
    const anon = new Client(p.url);
    const [author, follower, stranger, witness] = await Promise.all([anon.signUp(), anon.signUp(), anon.signUp(), anon.signUp()]);
    await follower.put(`/friend/set/${author.userId}`);
    // Read the feed first, as the app does: it builds each user's celebrity list, so no gateway
    // has to ask the worker for it (that answer is a message on the gateway's queue too).
    for (const u of [follower, stranger, witness]) expect((await u.get('/post/feed')).status).toBe(200);
    const onGw1 = await openWs(gw1.wsUrl, { token: follower.token });
    const onGw2 = await openWs(gw2.wsUrl, { token: stranger.token });
    await Promise.all([online(follower.userId, gw1), online(stranger.userId, gw2)]);
    const gw2Before = await gw2.metric('gateway_messages_in_total');

    const postId = (await author.post('/post/create', { text: 'to my followers <b>only</b>' })).body;
    const [frame] = await onGw1.waitForCount(1);
    // Exactly the AsyncAPI message: these three keys and no other.
    expect(Object.keys(frame).sort()).toEqual(['author_user_id', 'postId', 'postText']);
    expect(frame).toEqual({ postId, postText: 'to my followers <b>only</b>', author_user_id: author.userId });
    expect(onGw1.protocol).toBe('');

    // The post's fan-out is done (the worker sends to every gateway before the follower gets it).
    // Now a witness on gw2 follows the author and the author writes a marker: it reaches gw2's
    // queue behind anything the post sent there, so once the witness has it, gw2 has seen all.
    const witnessOnGw2 = await openFeed(gw2.httpUrl, { token: witness.token });
    await online(witness.userId, gw2);
    await witness.put(`/friend/set/${author.userId}`);
    const marker = (await author.post('/post/create', { text: 'marker' })).body;
    await witnessOnGw2.waitUntil('the follow notice and the marker at gw2', (f) => f.some((x) => x.type === 'friend.followed') && f.some((x) => x.type === 'post.created' && x.data.id === marker));
    await onGw2.roundTrip(); // any frame gw2 wrote to the stranger is in ahead of the pong
    expect(onGw2.messages).toEqual([]);
    // gw2's messages since: the witness's follow notice and the marker, nothing for the post.
    expect(await gw2.metric('gateway_messages_in_total')).toBe(gw2Before + 2);
    // The follower got the post and the marker, once each.
    expect((await onGw1.waitUntil('the marker at gw1', (f) => f.some((x) => x.postId === marker))).map((x) => x.postId)).toEqual([postId, marker]);
    onGw1.close();
    onGw2.close();
    witnessOnGw2.close();
  });

  it('never sends a user their own posts, and applies a follow made while connected to the next post', async () => {
    const anon = new Client(p.url);
    const [alice, bob, carol] = await Promise.all([anon.signUp(), anon.signUp(), anon.signUp()]);
    // Carol follows Alice on the same gateway: Alice's marker reaches her behind Alice's own post.
    await carol.put(`/friend/set/${alice.userId}`);
    const watcher = await openWs(gw1.wsUrl, { token: carol.token });
    const stream = await openWs(gw1.wsUrl, { token: alice.token });
    await Promise.all([online(alice.userId, gw1), online(carol.userId, gw1)]);
    const own = (await alice.post('/post/create', { text: 'my own post' })).body;
    await bob.post('/post/create', { text: 'before the follow' });
    await alice.put(`/friend/set/${bob.userId}`);
    const after = (await bob.post('/post/create', { text: 'after the follow' })).body;
    const frames = await stream.waitForCount(1);
    expect(frames[0].postText).toBe('after the follow');
    // Markers: Bob's reaches Alice behind his posts; Alice's reaches Carol behind Alice's own post,
    // and Alice's pong comes behind any frame the gateway wrote to her before that.
    const bobMarker = (await bob.post('/post/create', { text: 'bob marker' })).body;
    const aliceMarker = (await alice.post('/post/create', { text: 'alice marker' })).body;
    await stream.waitUntil("Bob's marker", (f) => f.some((x) => x.postId === bobMarker));
    await watcher.waitUntil("Alice's marker", (f) => f.some((x) => x.postId === aliceMarker));
    await stream.roundTrip();
    expect(watcher.json().map((x) => x.postId)).toEqual([own, aliceMarker]);
    expect(stream.json()).toEqual([
      { postId: after, postText: 'after the follow', author_user_id: bob.userId },
      { postId: bobMarker, postText: 'bob marker', author_user_id: bob.userId },
    ]);
    stream.close();
    watcher.close();
  });

  it('delivers every event to each session of one user, on one gateway or several', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    await reader.put(`/friend/set/${author.userId}`);
    const a = await openWs(gw1.wsUrl, { token: reader.token });
    const b = await openFeed(gw1.httpUrl, { token: reader.token });
    const c = await openFeed(gw2.httpUrl, { token: reader.token, transport: 'sse' });
    await Promise.all([online(reader.userId, gw1), online(reader.userId, gw2)]);
    const postId = (await author.post('/post/create', { text: 'everywhere' })).body;
    await a.waitForCount(1);
    // The follow notice may reach the feed.v1 and SSE sessions too; look at the posts.
    await b.waitForCount(1);
    await waitFor('the post on feed.v1', async () => b.json().some((f) => f.type === 'post.created'));
    await waitFor('the post over SSE', async () => c.events.some((e) => e.type === 'post.created'));
    const envelope = b.json().find((f) => f.type === 'post.created')!;
    const event = c.events.find((e) => e.type === 'post.created')!;
    expect(a.json()).toEqual([{ postId, postText: 'everywhere', author_user_id: author.userId }]);
    expect(envelope).toMatchObject({ type: 'post.created', data: { id: postId, text: 'everywhere', author_user_id: author.userId } });
    expect(event).toMatchObject({ type: 'post.created', data: { id: postId, text: 'everywhere', author_user_id: author.userId } });
    expect(event.id).toBe(envelope.id); // the same position in the user's log
    a.close();
    b.close();
    c.close();
  });
});
