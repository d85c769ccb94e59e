// `npm run worker`: the fan-out worker. Run as many as needed: they compete for one queue.
import { connectBroker } from '@feed/broker';
import { loadConfig } from './config.ts';
import { FanoutConsumer } from './fanout/consumer.ts';
import { GatewayPublisher } from './fanout/live-publisher.ts';
import { retryPolicy } from './fanout/retry-policy.ts';
import { createLogger } from './log.ts';
import { createServices } from './services.ts';
import { onShutdown } from './shutdown.ts';
import { serveWorkerPort } from './worker-port.ts';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, 'worker');
const { db, redis, cache, names } = createServices(config, log);
const live = new GatewayPublisher(names);
const consumer = new FanoutConsumer({ db, cache, live, log, celebrityThreshold: config.CELEBRITY_THRESHOLD, batchSize: config.FANOUT_BATCH }, names, { prefetch: config.WORKER_PREFETCH, retry: retryPolicy(config) });

const broker = await connectBroker(config.AMQP_URL, log, async (model) => {
  await live.attach(model);
  await consumer.attach(model);
});
await broker.waitForConnect();
log.info({ queue: names.fanoutQueue }, 'worker consuming');

const server = config.WORKER_METRICS_PORT ? serveWorkerPort(config.WORKER_METRICS_PORT, config.HOST, broker) : undefined;

onShutdown(log, config.SHUTDOWN_GRACE_MS, async () => {
  server?.close();
  await consumer.stop();
  await broker.close().catch(() => {});
  await Promise.allSettled([db.end(), redis.quit()]);
});
