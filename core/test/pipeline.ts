// The feed pipeline for tests: the REST API and outbox relay in-process, fan-out workers as
// child processes (so a test can SIGKILL one), all on a name prefix of their own in the real
// Postgres, Redis and RabbitMQ.
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import amqp from 'amqplib';
import { amqpUrls } from '@feed/contracts';
import { unlinkMatching } from '@feed/cache';
import { createApp } from '../src/app.ts';
import { listen } from '../src/http/listen.ts';
import { connectBroker, type RecoveringChannelModel } from '@feed/broker';
import { loadConfig, type Config } from '../src/config.ts';
import { FeedReader } from '../src/feed/reader.ts';
import { GatewayPublisher } from '../src/fanout/live-publisher.ts';
import { createLogger } from '../src/log.ts';
import { OutboxRelay } from '../src/relay/outbox-relay.ts';
import { createServices, type Services } from '../src/services.ts';
import { launch } from '../../test/support/launcher.ts';
import { waitFor } from '../../test/support/ports.ts';
import { createTestDatabase } from '../../test/support/database.ts';
import { OUT_OF_THE_WAY, ROOMY_HASHING } from './harness.ts';

export interface Worker {
  process: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Pipeline extends Services {
  url: string;
  config: Config;
  env: Record<string, string>;
  reader: FeedReader;
  workers: Worker[];
  startWorker(): Promise<Worker>;
  /** Consumers attached to the fan-out queue right now. */
  consumers(): Promise<number>;
  close(): Promise<void>;
}

export async function startPipeline(overrides: Record<string, string> = {}): Promise<Pipeline> {
  const tag = randomBytes(4).toString('hex');
  // Its own database: the relay below publishes every pending outbox row of the database it is on.
  const database = await createTestDatabase();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    REDIS_CLUSTER_NODES: inject('redisClusterNodes'),
    REDIS_PREFIX: `${inject('redisPrefix')}${tag}:`,
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AMQP_PREFIX: `test.${tag}.`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...OUT_OF_THE_WAY,
    ...ROOMY_HASHING,
    OUTBOX_POLL_MS: '1000',
    ...overrides,
  };
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL);
  const services = createServices(config, log);
  const { db, redis, cache, names } = services;
  const reader = new FeedReader(db, cache, { celebrityThreshold: config.CELEBRITY_THRESHOLD, rebuildLockMs: 5_000 }, log);
  const gateways = new GatewayPublisher(names);
  const app = createApp({
    config,
    db,
    redis,
    log,
    readFeed: (u, o, l) => reader.read(u, o, l),
    revocationNotice: (token, to) => gateways.sessionRevoked(to, token.userId, token.tokenId),
  });
  const server: Server = await listen(app, 0, '127.0.0.1');
  const relay = new OutboxRelay(db, names, { databaseUrl: config.DATABASE_URL, pollMs: config.OUTBOX_POLL_MS, batchSize: 500, retentionSeconds: 3600 }, log);
  const broker: RecoveringChannelModel = await connectBroker(config.AMQP_URL, log, async (model) => {
    await gateways.attach(model);
    await relay.attach(model);
  });
  await relay.start();

  const workers: Worker[] = [];
  const admin = async <T>(work: (ch: amqp.Channel) => Promise<T>): Promise<T> => {
    const conn = await amqp.connect(amqpUrls(config.AMQP_URL)[0]!); // the first node of a list
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      return await work(ch);
    } finally {
      await conn.close().catch(() => {});
    }
  };

  const pipeline: Pipeline = {
    ...services,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    config,
    env,
    reader,
    workers,
    async startWorker() {
      const proc = await launch(`worker ${workers.length + 1}`, 'worker', { env });
      const worker: Worker = {
        process: proc.child!,
        output: () => proc.output(),
        kill: async (signal = 'SIGTERM') => void (await proc.kill(signal)),
      };
      workers.push(worker);
      const before = await pipeline.consumers().catch(() => 0);
      await waitFor('the worker to consume', async () => (await pipeline.consumers()) > before || !proc.running, 30_000, 100);
      if (!proc.running) throw new Error(`worker exited: ${proc.output()}`);
      return worker;
    },
    async consumers() {
      return admin(async (ch) => (await ch.checkQueue(names.fanoutQueue)).consumerCount);
    },
    async close() {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await relay.stop();
      await broker.close().catch(() => {});
      await admin(async (ch) => {
        for (const q of [names.fanoutQueue, names.deadLetterQueue]) await ch.deleteQueue(q).catch(() => {});
        for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {});
      }).catch(() => {});
      await unlinkMatching(redis, `${config.REDIS_PREFIX}*`);
      await Promise.allSettled([db.end(), redis.quit()]);
      await database.drop();
    },
  };
  return pipeline;
}
