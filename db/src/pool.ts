import pg from 'pg';

// bigint columns (ids, counts) arrive as strings: ids are sent to clients as strings anyway,
// and this keeps 64-bit ids exact.
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;
export type Pool = pg.Pool;

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // the process would crash. The next query gets a fresh connection.
  pool.on('error', () => {});
  return pool;
}

/** Runs `work`'s statements on one connection, outside any transaction: none waits for the pool again. */
export async function onOneConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** Runs `work` in one transaction on one connection; rolls back on any throw. */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
