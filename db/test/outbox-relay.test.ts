// The relay's reads of the outbox against a database of the test's own.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool, inTransaction, outbox, outboxRelay, type Pool } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';

let database: TestDatabase;
let db: Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPool(database.url, 2);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

it('hands pending rows over in numeric id order across a power of ten (9 before 10, 99 before 100)', async () => {
  for (let i = 0; i < 120; i++) {
    await inTransaction(db, (tx) => outbox.enqueue(tx, { type: 'friend.followed', followerId: '1', followeeId: String(i + 2) }));
  }
  const { rows } = await db.query<{ id: string }>('SELECT id::text AS id FROM outbox ORDER BY outbox.id');
  const written = rows.map((r) => r.id);
  const batch = await inTransaction(db, (tx) => outboxRelay.pending(tx, 500));
  expect(batch.map((r) => r.id)).toEqual(written);
  expect(written.slice(8, 11)).toEqual(['9', '10', '11']);
  expect(written.slice(98, 101)).toEqual(['99', '100', '101']);
});
