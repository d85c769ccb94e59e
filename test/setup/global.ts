// Vitest global setup: each test run gets a database, a Redis key prefix and a RabbitMQ vhost
// of its own, so runs never touch what `npm start` created or each other.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { migrate } from '@feed/db';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared database (no outbox relay may run on it: see test/support/database.ts). */
    databaseUrl: string;
    /** A migrated database nobody connects to, which createTestDatabase clones. */
    databaseTemplate: string;
    adminDatabaseUrl: string;
    redisUrl: string;
    redisPrefix: string;
    /** REDIS_CLUSTER_NODES for the `cluster` project (its own setup starts one); '' elsewhere. */
    redisClusterNodes: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbName = `feed_test_${runId}`;
  const template = `feed_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const templateUrl = new URL(ADMIN_URL);
  templateUrl.pathname = `/${template}`;
  await migrate(templateUrl.toString());
  await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${template}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();

  const redisPrefix = `test:${runId}:`;
  project.provide('databaseUrl', databaseUrl);
  project.provide('databaseTemplate', template);
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('redisUrl', REDIS_URL);
  project.provide('redisPrefix', redisPrefix);
  project.provide('redisClusterNodes', '');

  return async () => {
    // The shared database, the template, and any test database a killed test left behind.
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [template, `${dbName}%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(REDIS_URL);
    const stream = redis.scanStream({ match: `${redisPrefix}*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
    await redis.quit();
  };
}
