import type { Queryable } from './pool.ts';

export interface Profile {
  first_name?: string | undefined;
  second_name?: string | undefined;
  birthdate?: string | undefined;
  biography?: string | undefined;
  city?: string | undefined;
}

export interface User extends Profile {
  id: string;
}

const PROFILE_COLUMNS = `id::text AS id, first_name, second_name, to_char(birthdate, 'YYYY-MM-DD') AS birthdate, biography, city`;

/** Drops NULL columns: the contract's User has optional string fields, not nullable ones. */
function toUser(row: Record<string, string | null>): User {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)) as unknown as User;
}

export async function createUser(db: Queryable, profile: Profile, passwordHash: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (first_name, second_name, birthdate, biography, city, password_hash)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`,
    [profile.first_name, profile.second_name, profile.birthdate, profile.biography, profile.city, passwordHash],
  );
  return rows[0]!.id;
}

export async function findUser(db: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await db.query(`SELECT ${PROFILE_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

export async function findPasswordHash(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id]);
  return rows[0]?.password_hash;
}

/** Replaces a password's hash, only if it is still `previous` (a concurrent change wins). */
export async function replacePasswordHash(db: Queryable, id: string, previous: string, next: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [id, previous, next]);
}

export async function userExists(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [id]);
  return rowCount === 1;
}

/** LIKE treats % _ and \ as special; a search for "50%" must find the literal text. */
function likePrefix(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/**
 * Case-insensitive prefix match on both names, ordered by id. Two steps: the first `limit` ids
 * come from an index-only scan of users_name_prefix (which holds both names and the id), then
 * only those rows are read. Filtering the table itself costs a heap read per match, or a walk
 * of the whole table when the planner misjudges how rare a name combination is
 * (migration 1763856000001, docs/benchmarks.md).
 */
export async function searchUsers(db: Queryable, firstName: string, secondName: string, limit: number): Promise<User[]> {
  const { rows } = await db.query(
    `SELECT ${PROFILE_COLUMNS} FROM users
      WHERE users.id IN (SELECT m.id FROM users m
                          WHERE lower(m.first_name) LIKE $1 AND lower(m.second_name) LIKE $2
                          ORDER BY m.id LIMIT $3)
      ORDER BY users.id`,
    [likePrefix(firstName), likePrefix(secondName), limit],
  );
  return rows.map(toUser);
}
