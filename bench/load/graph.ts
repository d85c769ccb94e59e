// The load tool's people: N users, each following `follows` random others, and a few
// celebrities followed by a share of everyone. Bulk-inserted with SQL; the graph is kept in
// memory too, so the ledger knows each post's recipients at the moment it is posted.
import { seededRandom } from '../random.ts';
import pg from 'pg';
import { signToken, tokenKey } from '@feed/contracts';
import { migrate } from '@feed/db';

export interface GraphOptions {
  users: number;
  /** Ordinary accounts each user follows. */
  follows: number;
  celebrities: number;
  /** Share of users following each celebrity. */
  celebrityReach: number;
  seed: number;
}

export interface Graph {
  /** User ids, ascending. */
  ids: number[];
  celebrities: number[];
  followersOf: Map<number, number[]>;
  /** Between the largest ordinary following and the smallest celebrity following. */
  celebrityThreshold: number;
  meanOrdinaryFollowers: number;
  meanCelebrityFollowers: number;
  follows: number;
}

/** Drops and recreates the database, then migrates it. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function createGraph(databaseUrl: string, o: GraphOptions): Promise<Graph> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (first_name, second_name, city, password_hash)
       SELECT 'Load', 'User ' || g, 'Bench', 'not-a-hash' FROM generate_series(1, $1) g RETURNING id::text`,
      [o.users],
    );
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const rand = seededRandom(o.seed);
    const n = ids.length;
    const celebrities = ids.slice(0, o.celebrities);
    const celebritySet = new Set(celebrities);
    const followersOf = new Map<number, number[]>(ids.map((id) => [id, []]));
    const pairs: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const follower = ids[i]!;
      const chosen = new Set<number>();
      const want = Math.min(o.follows, n - 1 - o.celebrities);
      while (chosen.size < want) {
        const j = o.celebrities + Math.floor(rand() * (n - o.celebrities));
        if (ids[j] !== follower) chosen.add(ids[j]!);
      }
      for (const c of celebrities) if (c !== follower && rand() < o.celebrityReach) chosen.add(c);
      for (const followee of chosen) {
        pairs.push([follower, followee]);
        followersOf.get(followee)!.push(follower);
      }
    }
    for (let i = 0; i < pairs.length; i += 50_000) {
      const chunk = pairs.slice(i, i + 50_000);
      await db.query('INSERT INTO follows (follower_id, followee_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])', [chunk.map((p) => p[0]), chunk.map((p) => p[1])]);
    }
    await db.query(`UPDATE users u SET follower_count = c.n FROM (SELECT followee_id, count(*)::int AS n FROM follows GROUP BY followee_id) c WHERE u.id = c.followee_id`);
    await db.query('VACUUM ANALYZE users, follows');
    // Flush the bulk load now, not as a checkpoint in the middle of the first measured run.
    await db.query('CHECKPOINT');
    let maxOrdinary = 0;
    let sumOrdinary = 0;
    let minCelebrity = Infinity;
    let sumCelebrity = 0;
    for (const [id, list] of followersOf) {
      if (celebritySet.has(id)) {
        minCelebrity = Math.min(minCelebrity, list.length);
        sumCelebrity += list.length;
      } else {
        maxOrdinary = Math.max(maxOrdinary, list.length);
        sumOrdinary += list.length;
      }
    }
    if (celebrities.length && minCelebrity <= maxOrdinary) {
      throw new Error(`celebrities (${minCelebrity} followers) must be followed more than anyone else (${maxOrdinary}): raise celebrity reach`);
    }
    return {
      ids,
      celebrities,
      followersOf,
      celebrityThreshold: celebrities.length ? Math.floor((maxOrdinary + minCelebrity) / 2) : 1_000_000,
      meanOrdinaryFollowers: sumOrdinary / (n - celebrities.length),
      meanCelebrityFollowers: celebrities.length ? sumCelebrity / celebrities.length : 0,
      follows: pairs.length,
    };
  } finally {
    await db.end();
  }
}

export async function signTokens(ids: number[], secret: string): Promise<Map<number, string>> {
  const key = tokenKey(secret);
  const out = new Map<number, string>();
  for (const id of ids) out.set(id, await signToken(String(id), key, 24 * 3600));
  return out;
}
