// Isolation through HAProxy and two gateways: ~30 users on a random follow graph, each with a
// feed.v1 WebSocket and some also with SSE, several of them posting over rounds while the graph
// changes between rounds. Every event a user's stream gets is a post by someone that user
// followed when it was written (per Postgres at that moment), never their own, and each stream
// gets exactly those; a token used by "another client" still only yields its owner's events;
// an expired token's stream is closed with 4001.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, tokenKey } from '@feed/contracts';
import { Client } from '../../core/test/client.ts';
import { openFeed, rawSse, type FeedStream } from '../../gateway/test/clients.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/ports.ts';
import { seededRandom } from '../../bench/random.ts';

const USERS = 30;
const ROUNDS = 3;
const AUTHORS_PER_ROUND = 8;
const POSTS_PER_AUTHOR = 2;

type User = Client & { userId: string };
interface Stream {
  owner: string;
  kind: string;
  /** post.created events: [postId, authorId]. */
  posts(): [string, string][];
  /** Everything else, as (type, data). */
  others(): { type: string; data: unknown }[];
  close(): void;
}

let stack: Stack;
let users: User[];
const streams: Stream[] = [];

// Seeded, so a failing graph can be replayed with ISOLATION_SEED.
const seed = Number(process.env.ISOLATION_SEED ?? Date.now() % 100_000);
const random = seededRandom(seed);
const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;

/** A feed.v1 stream (WebSocket or SSE, read by the SDK) as the checks below see it. */
function feedStream(owner: string, kind: string, c: FeedStream): Stream {
  return {
    owner,
    kind,
    posts: () => c.json().flatMap((f): [string, string][] => (f.type === 'post.created' ? [[f.data.id, f.data.author_user_id]] : [])),
    others: () => c.json().filter((f) => f.type !== 'post.created'),
    close: () => c.close(),
  };
}

/** Who follows whom, as Postgres has it now: follower → followees. */
async function followGraph(): Promise<Map<string, Set<string>>> {
  const ids = users.map((u) => u.userId);
  const { rows } = await stack.pipeline.db.query<{ follower_id: string; followee_id: string }>('SELECT follower_id::text, followee_id::text FROM follows WHERE follower_id = ANY($1::bigint[])', [ids]);
  const graph = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  for (const r of rows) graph.get(r.follower_id)!.add(r.followee_id);
  return graph;
}

beforeAll(async () => {
  stack = await startStack({ gateways: 2 });
  const api = new Client(stack.url);
  users = [];
  for (let i = 0; i < USERS; i += 10) users.push(...(await Promise.all(Array.from({ length: Math.min(10, USERS - i) }, () => api.signUp()))));
}, 120_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await stack?.close();
}, 60_000);

describe('stream isolation', () => {
  it(`delivers each user exactly the posts of those they followed at post time (${USERS} users, seed ${seed})`, async () => {
    // A random graph: each user follows 2–7 others.
    for (const u of users) {
      const others = users.filter((o) => o !== u);
      const n = 2 + Math.floor(random() * 6);
      for (let i = 0; i < n; i++) await u.put(`/friend/set/${pick(others).userId}`);
    }
    // Every user on feed.v1; every third also on SSE; user 0's token also used by "another
    // client" (query token, another User-Agent, SSE with ?token=).
    for (const [i, u] of users.entries()) {
      streams.push(feedStream(u.userId, 'feed.v1', await openFeed(stack.url, { token: u.token })));
      if (i % 3 === 0) streams.push(feedStream(u.userId, 'sse', await openFeed(stack.url, { token: u.token, transport: 'sse' })));
    }
    const borrowed = users[0]!;
    streams.push(feedStream(borrowed.userId, 'borrowed feed.v1', await openFeed(stack.url, { token: borrowed.token, tokenIn: 'query', headers: { 'user-agent': 'curl/8.0 other-client' } })));
    streams.push(feedStream(borrowed.userId, 'borrowed sse', await openFeed(stack.url, { token: borrowed.token, tokenIn: 'query', transport: 'sse', headers: { 'user-agent': 'Mozilla/5.0 elsewhere', 'x-forwarded-for': '203.0.113.9' } })));
    await waitFor(
      'every user online',
      async () => {
        const where = await stack.pipeline.cache.presence.lookup(users.map((u) => u.userId));
        return users.every((u) => (where.get(u.userId) ?? []).length > 0);
      },
      30_000,
      100,
    );
    const spread = await stack.pipeline.cache.presence.lookup(users.map((u) => u.userId));
    const perGateway = new Map<string, number>();
    for (const gws of spread.values()) for (const g of gws ?? []) perGateway.set(g, (perGateway.get(g) ?? 0) + 1);
    console.log(`[isolation] seed ${seed}: ${streams.length} streams, users held per gateway ${JSON.stringify(Object.fromEntries(perGateway))}`);

    /** postId → the followers of its author when it was written (per Postgres). */
    const audience = new Map<string, { author: string; followers: Set<string> }>();
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        // Change the graph between rounds: some follow, some unfollow.
        for (let i = 0; i < 15; i++) {
          const u = pick(users);
          const other = pick(users.filter((o) => o !== u));
          await u.put(`/friend/${random() < 0.5 ? 'set' : 'delete'}/${other.userId}`);
        }
      }
      const graph = await followGraph();
      const authors = new Set<User>();
      while (authors.size < AUTHORS_PER_ROUND) authors.add(pick(users));
      const written = await Promise.all(
        [...authors].map(async (a) => {
          const ids: string[] = [];
          for (let i = 0; i < POSTS_PER_AUTHOR; i++) {
            const reply = await a.post('/post/create', { text: `round ${round} by ${a.userId} #${i}` });
            expect(reply.status).toBe(200);
            ids.push(reply.body);
          }
          return ids.map((id) => [id, a.userId] as const);
        }),
      );
      for (const [id, author] of written.flat()) {
        const followers = new Set([...graph].filter(([, followees]) => followees.has(author)).map(([f]) => f));
        audience.set(id, { author, followers });
      }
      // Let the round land everywhere before the graph changes again.
      const expected = (owner: string) => [...audience].filter(([, a]) => a.followers.has(owner)).map(([id]) => id);
      await waitFor(
        `round ${round} delivered to every stream`,
        async () =>
          streams.every((s) => {
            const got = new Set(s.posts().map(([id]) => id));
            return expected(s.owner).every((id) => got.has(id));
          }),
        30_000,
        100,
      );
    }
    // No fixed wait for strays: every user writes a marker, and each stream waits for the markers
    // of everyone its owner follows now. Those come behind the authors' earlier posts, on the
    // same gateway queue and socket a stray would have taken.
    const now = await followGraph();
    const markerOf = new Map<string, string>();
    await Promise.all(
      users.map(async (u) => {
        const reply = await u.post('/post/create', { text: `marker by ${u.userId}` });
        expect(reply.status).toBe(200);
        markerOf.set(u.userId, reply.body as string);
      }),
    );
    const markers = new Set(markerOf.values());
    await waitFor(
      'every stream to get the markers of those its owner follows',
      async () =>
        streams.every((s) => {
          const got = new Set(s.posts().map(([id]) => id));
          return [...now.get(s.owner)!].every((followee) => got.has(markerOf.get(followee)!));
        }),
      60_000,
      100,
    );
    const postsOf = (s: Stream) => s.posts().filter(([id]) => !markers.has(id));

    let checked = 0;
    for (const s of streams) {
      const posts = postsOf(s);
      const ids = posts.map(([id]) => id);
      expect(new Set(ids).size, `${s.kind} of ${s.owner}: duplicates`).toBe(ids.length);
      for (const [id, author] of posts) {
        const a = audience.get(id);
        expect(a, `${s.kind} of ${s.owner} got post ${id}, which no test user wrote`).toBeDefined();
        expect(a!.author).toBe(author);
        expect(author, `${s.kind} of ${s.owner} got its own post ${id}`).not.toBe(s.owner);
        expect(a!.followers.has(s.owner), `${s.kind} of ${s.owner} got post ${id} by ${author}, not followed at post time`).toBe(true);
        checked++;
      }
      // Exactly: nothing missing either.
      const expected = [...audience]
        .filter(([, a]) => a.followers.has(s.owner))
        .map(([id]) => id)
        .sort();
      expect([...ids].sort(), `${s.kind} of ${s.owner}`).toEqual(expected);
      // Other events are the owner's own follow changes, or nothing.
      for (const e of s.others()) {
        expect(['friend.followed', 'friend.unfollowed'], `${s.kind} of ${s.owner}: ${e.type}`).toContain(e.type);
      }
    }
    const borrowedIds = streams
      .filter((s) => s.owner === borrowed.userId)
      .map((s) =>
        postsOf(s)
          .map(([id]) => id)
          .sort(),
      );
    for (const ids of borrowedIds) expect(ids).toEqual(borrowedIds[0]);
    console.log(`[isolation] ${audience.size} posts, ${checked} deliveries checked over ${streams.length} streams, no stray event`);
    expect(checked).toBeGreaterThan(0);
  }, 240_000);

  it('closes the stream of an expired token with 4001 (WebSocket) and event: error (SSE)', async () => {
    const reader = users[1]!;
    const token = await signToken(reader.userId, tokenKey(stack.pipeline.config.JWT_SECRET), 2);
    const ws = await openFeed(stack.url, { token });
    // The end of the SSE stream read off the wire: the error event, then the end of the response.
    const sse = await rawSse(`${stack.url}/post/feed/posted`, { token });
    const closed = await ws.closed;
    await sse.ended;
    expect(closed.code).toBe(4001);
    expect(sse.raw()).toContain('event: error');
    expect(sse.raw()).toContain('token expired');
    // Reconnecting with it is refused.
    await expect(openFeed(stack.url, { token })).rejects.toMatchObject({ auth: { kind: 'auth', status: 401 } });
  }, 30_000);
});
