// The generator against a throwaway database of its own (never the run's shared one).
import { randomBytes } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { migrate } from '../src/migrate.ts';
import { SEED_PASSWORD, seed, seedDefaults, type SeedSummary } from '../src/seed/seed.ts';

const USERS = 3000;
const THRESHOLD = 200;

let admin: pg.Client;
let db: pg.Client;
let dbName: string;
let summary: SeedSummary;

beforeAll(async () => {
  const url = new URL(inject('databaseUrl'));
  dbName = `feed_seedtest_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  url.pathname = `/${dbName}`;
  await migrate(url.toString());
  db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  // A user that exists before seeding: generated ids must come after it.
  await db.query(`INSERT INTO users (first_name, second_name, password_hash) VALUES ('Existing', 'User', 'x')`);
  summary = await seed(url.toString(), { ...seedDefaults(USERS), celebrities: 3, celebrityFollowers: THRESHOLD, seed: 42 });
});

afterAll(async () => {
  await db?.end();
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
});

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.query(sql, params);
  return rows[0] as T;
}

describe('seed', () => {
  it('loads the requested users after the existing ones', async () => {
    expect(summary.users).toBe(USERS);
    const r = await one<{ n: number; min: string; max: string }>(`SELECT count(*)::int AS n, min(id)::text AS min, max(id)::text AS max FROM users WHERE password_hash <> 'x'`);
    expect(r.n).toBe(USERS);
    expect(Number(r.min)).toBe(summary.ids.first);
    expect(Number(r.max)).toBe(summary.ids.last);
    expect(summary.ids.first).toBeGreaterThan(1);
    // The identity sequence moved past the block: a registration after the seed does not collide.
    const next = await one<{ id: string }>(`INSERT INTO users (password_hash) VALUES ('y') RETURNING id::text AS id`);
    expect(Number(next.id)).toBeGreaterThan(summary.ids.last);
  });

  it('writes follows and posts but no outbox rows', async () => {
    const r = await one<{ follows: number; posts: number; outbox: number }>(
      `SELECT (SELECT count(*)::int FROM follows) AS follows, (SELECT count(*)::int FROM posts) AS posts,
              (SELECT count(*)::int FROM outbox) AS outbox`,
    );
    expect(r.follows).toBe(summary.follows);
    expect(r.follows).toBeGreaterThan(USERS);
    expect(r.posts).toBe(summary.posts);
    expect(r.posts).toBeGreaterThan(USERS);
    expect(r.outbox).toBe(0);
  });

  it('has no self-follows', async () => {
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM follows WHERE follower_id = followee_id')).n).toBe(0);
  });

  it('keeps follower_count equal to the counted follows for every user', async () => {
    const r = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM users u
        WHERE u.follower_count <> (SELECT count(*) FROM follows f WHERE f.followee_id = u.id)`,
    );
    expect(r.n).toBe(0);
  });

  it('makes celebrities with far more followers than the median', async () => {
    const r = await one<{ median: number; top: number; over: number }>(
      `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY follower_count) AS median,
              max(follower_count) AS top,
              count(*) FILTER (WHERE follower_count > $1)::int AS over
         FROM users`,
      [THRESHOLD],
    );
    expect(r.over).toBeGreaterThanOrEqual(1);
    expect(r.top).toBeGreaterThan(THRESHOLD);
    expect(r.top).toBeGreaterThan(20 * Math.max(1, r.median));
    expect(summary.celebrities).toHaveLength(3);
    for (const c of summary.celebrities) expect(c.followers).toBeGreaterThan(THRESHOLD);
  });

  it('generates Cyrillic and Latin names', async () => {
    const r = await one<{ cyrillic: number; latin: number; missing: number }>(
      `SELECT count(*) FILTER (WHERE first_name ~ '^[А-ЯЁ][а-яё]+$' AND second_name ~ '^[А-ЯЁ]')::int AS cyrillic,
              count(*) FILTER (WHERE first_name ~ '^[A-Z]' AND second_name ~ '^[A-Z]')::int AS latin,
              count(*) FILTER (WHERE first_name IS NULL OR second_name IS NULL OR birthdate IS NULL OR city IS NULL)::int AS missing
         FROM users WHERE password_hash LIKE '$argon2id$%'`,
    );
    expect(r.cyrillic).toBeGreaterThan(USERS * 0.3);
    expect(r.latin).toBeGreaterThan(USERS * 0.3);
    expect(r.missing).toBe(0);
  });

  it('stores one Argon2id hash of the shared password that verifies', async () => {
    const r = await one<{ hashes: number; hash: string }>(`SELECT count(DISTINCT password_hash)::int AS hashes, min(password_hash) AS hash FROM users WHERE password_hash LIKE '$argon2id$%'`);
    expect(r.hashes).toBe(1);
    expect(r.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(SEED_PASSWORD).toBe('password123');
    expect(await verify(r.hash, 'password123')).toBe(true);
    expect(await verify(r.hash, 'password124')).toBe(false);
  });
});
