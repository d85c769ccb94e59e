// Bulk-loads generated users, a power-law follow graph and posts into one database.
//
// This is a bulk load, not a series of domain events: it writes no outbox rows and publishes
// nothing. Consumers (feed caches, gateways) learn about seeded data the way they learn about
// any pre-existing data, by reading Postgres.
import pg from 'pg';
import { copyRows, copyValue } from './copy.ts';
import { createGraph } from './graph.ts';
import { reserveUserIds, type IdRange } from './ids.ts';
import { createPeople } from './names.ts';
import type { SeedOptions } from './options.ts';
import { hashSeedPassword } from './password.ts';
import { startPhase, timed } from './progress.ts';
import { createRandom } from './random.ts';
import { createPostTexts } from './texts.ts';

export { seedDefaults, type SeedOptions } from './options.ts';
export { SEED_PASSWORD } from './password.ts';
export { createRandom, type Random } from './random.ts';

export interface SeedSummary {
  ids: IdRange;
  users: number;
  follows: number;
  posts: number;
  celebrities: { id: string; name: string; followers: number }[];
  seconds: number;
}

const PROGRESS_EVERY = 5_000;

export async function seed(databaseUrl: string, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const n = options.users;
  if (!Number.isInteger(n) || n < 1) throw new Error('users must be a positive integer');
  const random = createRandom(options.seed);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const passwordHash = await timed('password', options.progress, () => hashSeedPassword());
    const ids = await reserveUserIds(client, n);
    const first = ids.first;
    const russian = new Uint8Array(n); // the author's language, for their posts
    const graph = createGraph(random, {
      users: n,
      celebrities: options.celebrities,
      celebrityFollowers: options.celebrityFollowers,
      meanFollows: options.followsPerUser,
    });

    await client.query('BEGIN');
    // All rows land in one transaction: a failed seed leaves nothing behind. synchronous_commit
    // off only affects this transaction's commit latency, never consistency.
    await client.query('SET LOCAL synchronous_commit = off');
    // Every id written below comes from the block reserved above, so the foreign keys hold by
    // construction; as superuser, skip their per-row trigger checks (the CHECK constraint
    // against self-follows stays active). Not available to other roles: then they just run.
    const { rows: su } = await client.query<{ on: boolean }>(`SELECT current_setting('is_superuser') = 'on' AS on`);
    if (su[0]!.on) await client.query('SET LOCAL session_replication_role = replica');

    const people = createPeople(random, { russianShare: options.russianShare, seed: options.seed });
    const usersPhase = startPhase('users', n, options.progress);
    const users = await copyRows(
      client,
      'users',
      ['id', 'first_name', 'second_name', 'birthdate', 'biography', 'city', 'password_hash'],
      (function* () {
        for (let u = 0; u < n; u++) {
          const p = people();
          if (p.locale === 'ru') russian[u] = 1;
          yield `${first + u}\t${copyValue(p.first_name)}\t${copyValue(p.second_name)}\t${p.birthdate}\t${copyValue(p.biography)}\t${copyValue(p.city)}\t${passwordHash}\n`;
          if (u % PROGRESS_EVERY === 0) usersPhase.update(u, u);
        }
        usersPhase.update(n, n);
      })(),
    );
    usersPhase.stop();

    const followsPhase = startPhase('follows', n, options.progress);
    let followRows = 0;
    const follows = await copyRows(
      client,
      'follows',
      ['follower_id', 'followee_id'],
      (function* () {
        for (let u = 0; u < n; u++) {
          const follower = first + u;
          for (const v of graph.followees(u)) {
            followRows++;
            yield `${follower}\t${first + v}\n`;
          }
          if (u % PROGRESS_EVERY === 0) followsPhase.update(u, followRows);
        }
        followsPhase.update(n, followRows);
      })(),
    );
    followsPhase.stop();

    const postsPhase = startPhase('posts', n, options.progress);
    const postText = createPostTexts(random);
    let postRows = 0;
    const posts = await copyRows(
      client,
      'posts',
      ['author_id', 'text'],
      (function* () {
        for (let u = 0; u < n; u++) {
          // Exponential: most users post a little, a few a lot; celebrities post 4x more.
          const mean = options.postsPerUser * (graph.isCelebrity(u) ? 4 : 1);
          const count = Math.floor(-Math.log(1 - random.next()) * mean + 0.5);
          for (let i = 0; i < count; i++) {
            postRows++;
            yield `${first + u}\t${copyValue(postText(russian[u] ? 'ru' : 'en'))}\n`;
          }
          if (u % PROGRESS_EVERY === 0) postsPhase.update(u, postRows);
        }
        postsPhase.update(n, postRows);
      })(),
    );
    postsPhase.stop();

    // follower_count from the rows actually loaded, not from what the generator planned.
    // Seeded users are followed only by seeded users, so counting over the range is exact.
    await timed('counts', options.progress, () =>
      client.query(
        `UPDATE users u SET follower_count = c.n
           FROM (SELECT followee_id, count(*)::int AS n FROM follows
                  WHERE followee_id BETWEEN $1 AND $2 GROUP BY followee_id) c
          WHERE u.id = c.followee_id AND u.follower_count <> c.n`,
        [ids.first, ids.last],
      ),
    );
    await timed('commit', options.progress, () => client.query('COMMIT'));
    // The UPDATE left a dead version of most seeded users; reclaim it and refresh statistics
    // so the planner sees the new sizes right away.
    await timed('vacuum', options.progress, () => client.query('VACUUM (ANALYZE) users, follows, posts'));

    const { rows } = await client.query<{ id: string; name: string; followers: number }>(
      `SELECT id::text AS id, concat_ws(' ', first_name, second_name) AS name, follower_count AS followers
         FROM users WHERE id = ANY($1::bigint[]) ORDER BY follower_count DESC, id`,
      [graph.celebrities.map((c) => String(first + c.offset))],
    );
    return { ids, users, follows, posts, celebrities: rows, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}
