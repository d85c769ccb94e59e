// End to end through HAProxy: the path a browser takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../core/test/client.ts';
import { openSse, openWs, type WsClient } from '../gateway/test/clients.ts';
import { startStack, type Stack } from './support/stack.ts';
import { waitFor } from './support/ports.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2 });
}, 120_000);
afterAll(() => stack?.close());

async function gatewayOf(userId: string): Promise<string[]> {
  return (await stack.pipeline.cache.presence.lookup([userId])).get(userId) ?? [];
}

describe('through HAProxy', () => {
  it('delivers a post live to one follower over WebSocket and another over SSE', async () => {
    const api = new Client(stack.url);
    const [author, wsReader, sseReader] = await Promise.all([api.signUp(), api.signUp(), api.signUp()]);
    await wsReader.put(`/friend/set/${author.userId}`);
    await sseReader.put(`/friend/set/${author.userId}`);
    const ws = await openWs(stack.wsUrl, { token: wsReader.token });
    const sse = await openSse(`${stack.url}/post/feed/posted`, { token: sseReader.token });
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toContain('text/event-stream');
    await waitFor('both readers online', async () => (await gatewayOf(wsReader.userId)).length > 0 && (await gatewayOf(sseReader.userId)).length > 0);

    const postId = (await author.post('/post/create', { text: 'through the front door' })).body;
    const [frame] = await ws.waitForCount(1);
    expect(frame).toEqual({ postId, postText: 'through the front door', author_user_id: author.userId });
    await waitFor('the SSE post', async () => sse.events.some((e) => e.event === 'post.created'));
    expect(JSON.parse(sse.events.find((e) => e.event === 'post.created')!.data)).toEqual({
      id: postId,
      text: 'through the front door',
      author_user_id: author.userId,
    });
    ws.close();
    sse.close();
  });

  it('moves the clients of a gateway killed with SIGKILL to another one, missing nothing', async () => {
    const api = new Client(stack.url);
    const author = await api.signUp();
    const readers = await Promise.all(Array.from({ length: 6 }, () => api.signUp()));
    for (const r of readers) await r.put(`/friend/set/${author.userId}`);
    // leastconn spreads six sessions over both gateways.
    const clients = new Map<string, WsClient>();
    for (const r of readers) clients.set(r.userId, await openWs(stack.wsUrl, { token: r.token, protocol: 'feed.v1' }));
    await waitFor('all readers online', async () => {
      for (const r of readers) if ((await gatewayOf(r.userId)).length === 0) return false;
      return true;
    });
    const before = (await author.post('/post/create', { text: 'before the crash' })).body;
    for (const c of clients.values()) await waitFor('the first post', async () => c.json().some((f) => f.data?.id === before));

    const victim = stack.gateways[0]!;
    const victims = [];
    for (const r of readers) if ((await gatewayOf(r.userId)).includes(victim.id)) victims.push(r);
    expect(victims.length).toBeGreaterThan(0);
    await victim.stop('SIGKILL');
    for (const r of victims) await clients.get(r.userId)!.closed;

    // Written while the victims are disconnected.
    const during = [];
    for (let i = 0; i < 3; i++) during.push((await author.post('/post/create', { text: `during ${i}` })).body);

    // Each victim reconnects through HAProxy with its last event id.
    for (const r of victims) {
      const old = clients.get(r.userId)!;
      const lastId = old.json().at(-1).id as string;
      clients.set(r.userId, await openWs(stack.wsUrl, { token: r.token, protocol: 'feed.v1', query: `?since=${encodeURIComponent(lastId)}` }));
    }
    // The dead gateway's presence entries linger until their TTL; the survivor registers each
    // session right after its handshake (asynchronously, so wait for it).
    for (const r of victims) await waitFor(`reader ${r.userId} on a survivor`, async () => (await gatewayOf(r.userId)).some((g) => g !== victim.id));
    const after = (await author.post('/post/create', { text: 'after the crash' })).body;

    for (const r of readers) {
      const c = clients.get(r.userId)!;
      await waitFor(`reader ${r.userId} to get the last post`, async () => c.json().some((f) => f.data?.id === after));
    }
    for (const r of victims) {
      const posts = clients.get(r.userId)!.json().filter((f) => f.type === 'post.created').map((f) => f.data.id);
      expect(posts).toEqual([...during, after]); // nothing missed, nothing twice, in order
    }
    for (const c of clients.values()) c.close();
    await waitFor('HAProxy to mark the killed gateway down', async () => (await stack.serverStatus('gateways', 'gw1')).startsWith('DOWN'));
  });

  it('sends no new sessions to a gateway drained in HAProxy', async () => {
    const api = new Client(stack.url);
    const [spare] = [await stack.addGateway()];
    const slot = stack.gateways.indexOf(spare) + 1;
    await stack.runtime(`set server gateways/gw${slot} state drain`);
    await waitFor('the drain to apply', async () => (await stack.serverStatus('gateways', `gw${slot}`)) === 'DRAIN');
    const users = await Promise.all(Array.from({ length: 8 }, () => api.signUp()));
    const sockets = [];
    for (const u of users) sockets.push(await openWs(stack.wsUrl, { token: u.token }));
    for (const u of users) await waitFor('online', async () => (await gatewayOf(u.userId)).length > 0);
    for (const u of users) expect(await gatewayOf(u.userId)).not.toContain(spare.id);
    expect(await spare.metric('gateway_sessions')).toBe(0);
    for (const s of sockets) s.close();
  });
});
