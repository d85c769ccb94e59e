// `npm run core`: the REST API, and the outbox relay that publishes its events.
import { migrate } from '@feed/db';
import { createApp } from './app.ts';
import { listen } from './http/listen.ts';
import { connectBroker } from '@feed/broker';
import { loadConfig } from './config.ts';
import { FeedReader } from './feed/reader.ts';
import { GatewayPublisher } from './fanout/live-publisher.ts';
import { createLogger } from './log.ts';
import { OutboxRelay } from './relay/outbox-relay.ts';
import { createServices } from './services.ts';
import { onShutdown } from './shutdown.ts';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL);

if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, (msg) => log.debug(msg));

const { db, redis, cache, names } = createServices(config, log);
const reader = new FeedReader(db, cache, { celebrityThreshold: config.CELEBRITY_THRESHOLD, rebuildLockMs: 5_000 }, log);

// Logouts reach the gateways through the same exchange as live events.
const gateways = new GatewayPublisher(names);

let ready = true;
const app = createApp({
  config,
  db,
  redis,
  log,
  isReady: () => ready,
  readFeed: (u, o, l) => reader.read(u, o, l),
  revocationNotice: (token, to) => gateways.sessionRevoked(to, token.userId, token.tokenId),
});
const server = await listen(app, config.PORT, config.HOST);
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
log.info({ url: `http://${config.HOST}:${port}` }, 'core listening');

const relay = config.RELAY_ENABLED
  ? new OutboxRelay(
      db,
      names,
      {
        databaseUrl: config.DATABASE_URL,
        pollMs: config.OUTBOX_POLL_MS,
        batchSize: config.OUTBOX_BATCH,
        retentionSeconds: config.OUTBOX_RETENTION_SECONDS,
      },
      log.child({ component: 'relay' }),
    )
  : undefined;
const broker = await connectBroker(config.AMQP_URL, log, async (model) => {
  await gateways.attach(model);
  await relay?.attach(model);
});
await relay?.start();

onShutdown(log, config.SHUTDOWN_GRACE_MS, async () => {
  ready = false; // the health check fails first so a load balancer stops sending requests
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await relay?.stop();
  await broker.close().catch(() => {});
  await Promise.allSettled([db.end(), redis.quit()]);
});
