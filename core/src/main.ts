// `npm run core`: the REST API.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createPool, migrate } from '@feed/db';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { onShutdown } from './shutdown.ts';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL);

if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, (msg) => log.debug(msg));

const db = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));

let ready = true;
const app = createApp({ config, db, redis, log, isReady: () => ready });
const server = app.listen(config.PORT, config.HOST);
await once(server, 'listening');
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
log.info({ url: `http://${config.HOST}:${port}` }, 'core listening');

onShutdown(log, config.SHUTDOWN_GRACE_MS, async () => {
  ready = false; // the health check fails first so a load balancer stops sending requests
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await Promise.allSettled([db.end(), redis.quit()]);
});
