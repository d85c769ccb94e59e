// The chaos runs' people: `clients` users who hold a stream each and follow `follows` random
// others among themselves, and one "big" author followed by everyone: the clients and
// `bigFollowers` more users who never connect, so the big author's post is a large fan-out
// (thousands of followers, in batches) while staying below the celebrity threshold.
import pg from 'pg';
import { seededRandom } from '../random.ts';

export interface People {
  /** Users holding a stream, ascending. */
  clients: number[];
  /** Followers among the clients, per author (the big author included). */
  followersOf: Map<number, number[]>;
  bigAuthor: number;
  /** Followers of the big author in total (clients and the rest). */
  bigFollowerCount: number;
}

export async function createPeople(databaseUrl: string, o: { clients: number; follows: number; bigFollowers: number; seed?: number }): Promise<People> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const total = o.clients + 1 + o.bigFollowers;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (first_name, second_name, city, password_hash)
       SELECT 'Chaos', 'User ' || g, 'Bench', 'not-a-hash' FROM generate_series(1, $1) g RETURNING id::text`,
      [total],
    );
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const clients = ids.slice(0, o.clients);
    const bigAuthor = ids[o.clients]!;
    const rest = ids.slice(o.clients + 1);
    const rand = seededRandom(o.seed ?? 1);
    const followersOf = new Map<number, number[]>(clients.map((id) => [id, []]));
    followersOf.set(bigAuthor, []);
    const pairs: [number, number][] = [];
    for (const follower of clients) {
      const chosen = new Set<number>();
      while (chosen.size < Math.min(o.follows, clients.length - 1)) {
        const followee = clients[Math.floor(rand() * clients.length)]!;
        if (followee !== follower) chosen.add(followee);
      }
      for (const followee of chosen) {
        pairs.push([follower, followee]);
        followersOf.get(followee)!.push(follower);
      }
      pairs.push([follower, bigAuthor]);
      followersOf.get(bigAuthor)!.push(follower);
    }
    for (const follower of rest) pairs.push([follower, bigAuthor]);
    for (let i = 0; i < pairs.length; i += 50_000) {
      const chunk = pairs.slice(i, i + 50_000);
      await db.query('INSERT INTO follows (follower_id, followee_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])', [chunk.map((p) => p[0]), chunk.map((p) => p[1])]);
    }
    await db.query(`UPDATE users u SET follower_count = c.n FROM (SELECT followee_id, count(*)::int AS n FROM follows GROUP BY followee_id) c WHERE u.id = c.followee_id`);
    await db.query('VACUUM ANALYZE users, follows');
    return { clients, followersOf, bigAuthor, bigFollowerCount: clients.length + rest.length };
  } finally {
    await db.end();
  }
}
