// A master of a Redis Cluster dies (SIGKILL) while posts flow, and its replica is promoted.
// Replication is asynchronous, so the replica may lack the master's last writes; here it is
// made to lack them for sure: it is frozen (SIGSTOP), the master drops its link to it and goes
// on alone, then the master is killed and the stale replica resumed and promoted. A reader whose live session got
// posts the promoted replica never saw must get feed.reset (and a refetch that has them), a
// session opened on the master alone (its log epoch and presence lost) must be noticed too, and
// no post may reach anyone twice. This file starts a cluster of its own: killing a master must
// not disturb the other files of the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCluster } from '@feed/cache';
import { startPipeline, type Pipeline } from '../core/test/pipeline.ts';
import { Client } from '../core/test/client.ts';
import { online, startGateway, type Gateway } from '../gateway/test/harness.ts';
import { openFeed, type FeedStream, type Frame } from '../gateway/test/clients.ts';
import { RedisCluster } from './support/redis-cluster.ts';
import { waitFor } from './support/ports.ts';

let cluster: RedisCluster;
let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  cluster = await RedisCluster.start({ nodeTimeoutMs: 2_000 });
  p = await startPipeline({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_REPLICA_WAIT_MS: '300' });
  await p.startWorker();
  // Renewals and heartbeats every second: they are where a gateway notices what Redis forgot.
  gw = await startGateway(p, { PRESENCE_REFRESH_MS: '1000', GATEWAY_HEARTBEAT_MS: '1000' });
}, 120_000);

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await p?.close().catch(() => {});
  await cluster?.stop();
});

type User = Client & { userId: string };

/** A feed.v1 reader that does what the SPA does on feed.reset: refetch GET /post/feed. */
class Reader {
  readonly refetched = new Set<string>();
  private refetching: Promise<void> = Promise.resolve();
  private seenResets = 0;

  private constructor(
    readonly user: User,
    readonly ws: FeedStream,
  ) {}

  /** A feed.v1 stream through the client SDK, read as it arrives. */
  static async open(user: User, gw: Gateway): Promise<Reader> {
    let reader: Reader | undefined = undefined; // assigned once the stream is open; events before that are noticed below
    const stream = await openFeed(gw.httpUrl, { token: user.token, onEvent: () => reader?.noticeResets() });
    reader = new Reader(user, stream);
    reader.noticeResets(); // whatever arrived before the reader existed
    return reader;
  }

  private noticeResets(): void {
    const resets = this.resets();
    if (resets > this.seenResets) {
      this.seenResets = resets;
      this.refetching = this.refetching.then(() => this.refetch());
    }
  }

  frames(): Frame[] {
    return this.ws.events;
  }

  live(): string[] {
    return this.frames()
      .filter((f) => f.type === 'post.created')
      .map((f) => String(f.data.id));
  }

  resets(): number {
    return this.frames().filter((f) => f.type === 'feed.reset').length;
  }

  /** Retried while Redis is failing over: a read may fail then, the client tries again. */
  private async refetch(): Promise<void> {
    await waitFor('the feed refetched', async () => {
      const res = await this.user.get('/post/feed?offset=0&limit=100');
      if (res.status !== 200) return false;
      for (const post of res.body as { id: string }[]) this.refetched.add(post.id);
      return true;
    });
  }

  async settled(): Promise<void> {
    await this.refetching;
  }

  has(postId: string): boolean {
    return this.live().includes(postId) || this.refetched.has(postId);
  }
}

describe('a Redis Cluster master killed under load', () => {
  it('clients get every post live or a feed.reset whose refetch has it, never a silent gap, never twice', async () => {
    expect(isCluster(p.redis)).toBe(true);
    const anon = new Client(p.url);
    const author = await anon.signUp();
    // Readers spread over the masters; the victim is the master holding the first reader's keys.
    const users = await Promise.all(Array.from({ length: 8 }, () => anon.signUp()));
    for (const u of users) expect((await u.put(`/friend/set/${author.userId}`)).status).toBe(200);
    const victim = await cluster.masterOf(p.cache.keys.log(users[0]!.userId));
    const [replica] = await cluster.replicasOf(victim);
    expect(replica).toBeDefined();
    const onVictim: User[] = [];
    for (const u of users) if ((await cluster.masterOf(p.cache.keys.log(u.userId))) === victim) onVictim.push(u);
    const late = onVictim.length > 1 ? onVictim.pop()! : undefined; // opens its stream while the replica is frozen
    const readers: Reader[] = [];
    for (const u of users.filter((x) => x !== late)) {
      readers.push(await Reader.open(u, gw));
      await online(p, u.userId, gw);
    }

    const accepted: string[] = [];
    const post = async (text: string) => {
      const res = await author.post('/post/create', { text });
      if (res.status === 200) accepted.push(res.body as string);
      return res;
    };
    await post('before');
    await Promise.all(readers.map((r) => r.ws.waitUntil('the first post', () => r.has(accepted[0]!))));

    // Posts keep coming from here on, a few per second, through the freeze, the kill and the promotion.
    let posting = true;
    const poster = (async () => {
      for (let i = 0; posting; i++) {
        await post(`load ${i}`).catch(() => undefined); // a connection dropped during the failover: the post may or may not exist
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    // The replica freezes: the master goes on alone. Once it is marked failed (node timeout),
    // the cluster stops listing it, the fan-out stops waiting for it, and the master's writes
    // from then on exist on the master only.
    cluster.freeze(replica!);
    await cluster.dropReplicas(victim);
    await waitFor('the frozen replica marked failed', async () => (await cluster.view(victim)).find((n) => n.port === replica)?.failed, 30_000, 100);
    const lateReader = late ? await Reader.open(late, gw) : undefined;
    if (late) await online(p, late.userId, gw);
    // A post the victim's readers get live that exists on the master alone.
    await post('on the master alone');
    const alone = accepted.at(-1)!;
    await Promise.all(readers.map((r) => r.ws.waitUntil('the post written on the master alone', () => r.has(alone), 30_000)));

    // The master dies; the stale replica wakes up and is promoted.
    cluster.kill(victim);
    cluster.resume(replica!);
    try {
      await cluster.allowStalePromotion(replica!);
      await cluster.waitPromoted(replica!, victim, 60_000);
    } finally {
      posting = false;
      await poster.catch(() => {}); // a POST cut off by the failover is not this test's subject
    }
    // A marker after everything: it arrives after every earlier post of the author (one author's
    // posts are fanned out in order), so waiting for it waits for the rest.
    let marker: string | undefined;
    await waitFor('the marker accepted', async () => ((await post('marker')).status === 200 ? (marker = accepted.at(-1)) : false), 30_000, 200);
    const all = [...readers, ...(lateReader ? [lateReader] : [])];
    await Promise.all(all.map((r) => r.ws.waitUntil(`the marker at ${r.user.userId}`, () => r.has(marker!), 60_000)));
    await Promise.all(all.map((r) => r.settled()));

    for (const r of all) {
      const live = r.live();
      // Never twice on the live stream.
      expect(live.length, `duplicates for ${r.user.userId}`).toBe(new Set(live).size);
      // Every post the reader was owed (the late reader: those after it connected) is there.
      const owed = r === lateReader ? accepted.slice(accepted.indexOf(alone)) : accepted;
      expect(
        owed.filter((id) => !r.has(id)),
        `missing at ${r.user.userId} (resets: ${r.resets()})`,
      ).toEqual([]);
    }
    // The readers on the victim got posts live that the promoted replica never had: they were
    // told so (feed.reset), not left with a gap.
    const victimReaders = all.filter((r) => onVictim.includes(r.user) || r === lateReader);
    for (const r of victimReaders) expect(r.resets(), `feed.reset at ${r.user.userId}`).toBeGreaterThan(0);
    for (const r of all) r.ws.close();
  }, 180_000);
});
