// End to end through HAProxy: the path a browser takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../core/test/client.ts';
import { openFeed, openWs } from '../gateway/test/clients.ts';
import { recorded, type Recorded } from '../client/test/support.ts';
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
    const sse = await openFeed(stack.url, { token: sseReader.token, transport: 'sse' });
    await waitFor('both readers online', async () => (await gatewayOf(wsReader.userId)).length > 0 && (await gatewayOf(sseReader.userId)).length > 0);

    const postId = (await author.post('/post/create', { text: 'through the front door' })).body;
    const [frame] = await ws.waitForCount(1);
    expect(frame).toEqual({ postId, postText: 'through the front door', author_user_id: author.userId });
    await waitFor('the SSE post', async () => sse.events.some((e) => e.type === 'post.created'));
    expect(sse.events.find((e) => e.type === 'post.created')!.data).toEqual({
      id: postId,
      text: 'through the front door',
      author_user_id: author.userId,
    });
    ws.close();
    sse.close();
  });

  it('moves the SDK clients of a gateway killed with SIGKILL to another one by themselves, missing nothing', async () => {
    const api = new Client(stack.url);
    const author = await api.signUp();
    const readers = await Promise.all(Array.from({ length: 6 }, () => api.signUp()));
    for (const r of readers) await r.put(`/friend/set/${author.userId}`);
    // leastconn spreads six sessions over both gateways.
    const clients = new Map<string, Recorded>();
    for (const r of readers) {
      const client = recorded({ url: stack.url, token: r.token! });
      clients.set(r.userId, client);
      await client.waitForStatus('open', (s) => s.state === 'open');
    }
    await waitFor('all readers online', async () => {
      for (const r of readers) if ((await gatewayOf(r.userId)).length === 0) return false;
      return true;
    });
    const before = (await author.post('/post/create', { text: 'before the crash' })).body;
    for (const c of clients.values()) await c.waitForPost(before);

    const victim = stack.gateways[0]!;
    const victims = [];
    for (const r of readers) if ((await gatewayOf(r.userId)).includes(victim.id)) victims.push(r);
    expect(victims.length).toBeGreaterThan(0);
    const seen = new Map(victims.map((r) => [r.userId, clients.get(r.userId)!.statuses.length]));
    await victim.stop('SIGKILL');
    // It may be open again (elsewhere) by the time anyone looks: look at what it reported since.
    for (const r of victims) {
      const c = clients.get(r.userId)!;
      await waitFor(`reader ${r.userId} to notice`, async () => c.statuses.slice(seen.get(r.userId)).some((s) => s.state === 'reconnecting'));
    }

    // Written while the victims reconnect (each through HAProxy with its last event id, by itself).
    const during = [];
    for (let i = 0; i < 3; i++) during.push((await author.post('/post/create', { text: `during ${i}` })).body);

    // The dead gateway's presence entries linger until their TTL; the survivor registers each
    // session right after its handshake (asynchronously, so wait for it).
    for (const r of victims) await waitFor(`reader ${r.userId} on a survivor`, async () => (await gatewayOf(r.userId)).some((g) => g !== victim.id));
    const after = (await author.post('/post/create', { text: 'after the crash' })).body;

    for (const r of readers) await clients.get(r.userId)!.waitForPost(after);
    for (const r of readers) {
      const c = clients.get(r.userId)!;
      expect(c.posts()).toEqual([before, ...during, after]); // nothing missed, nothing twice, in order
      expect(c.events.some((e) => e.type === 'feed.reset')).toBe(false);
      expect(c.client.status).toMatchObject({ state: 'open', transport: 'websocket' });
    }
    for (const c of clients.values()) c.client.stop();
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
