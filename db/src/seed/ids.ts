// Generated users get ids from a contiguous block taken from users' identity sequence, so
// follows and posts can name them before the rows exist, and they never collide with users
// that are already there or that register while the seed runs.
//
// COPY writes the id column as given (for identity columns it behaves like INSERT ...
// OVERRIDING SYSTEM VALUE), so the block only has to be reserved: under a lock that blocks
// concurrent inserts into users (and therefore their nextval calls), take the next value,
// move the sequence past the block with setval, commit. Later registrations continue after it.
import type pg from 'pg';

export interface IdRange {
  first: number;
  last: number;
}

export async function reserveUserIds(client: pg.PoolClient | pg.Client, count: number): Promise<IdRange> {
  await client.query('BEGIN');
  try {
    await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const { rows } = await client.query<{ seq: string; next: string; max: string }>(
      `SELECT pg_get_serial_sequence('users', 'id') AS seq,
              nextval(pg_get_serial_sequence('users', 'id'))::text AS next,
              coalesce(max(id), 0)::text AS max
         FROM users`,
    );
    const row = rows[0]!;
    // Rows inserted with explicit ids could sit above the sequence: start after both.
    const first = Math.max(Number(row.next), Number(row.max) + 1);
    const last = first + count - 1;
    if (!Number.isSafeInteger(last)) throw new Error('user ids would exceed 2^53');
    await client.query('SELECT setval($1, $2::bigint, true)', [row.seq, String(Math.max(last, first))]);
    await client.query('COMMIT');
    return { first, last };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
