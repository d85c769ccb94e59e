// `npm run worker`: the fan-out worker. Run as many as needed: they compete for one queue.
import { createServer } from 'node:http';
import { connectBroker } from '@feed/broker';
import { loadConfig } from './config.ts';
import { FanoutConsumer } from './fanout/consumer.ts';
import { GatewayPublisher } from './fanout/live-publisher.ts';
import { retryPolicy } from './fanout/retry-policy.ts';
import { createMetrics } from './http/metrics.ts';
import { createLogger } from './log.ts';
import { createServices } from './services.ts';
import { onShutdown } from './shutdown.ts';

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

// Optional (WORKER_METRICS_PORT): /health (200 while linked to the broker) and /metrics
// (process metrics: heap, event-loop lag), for operators and the soak run.
let linked = true;
broker.on('disconnect', () => (linked = false));
broker.on('connect', () => (linked = true));
const metrics = config.WORKER_METRICS_PORT ? createMetrics() : undefined;
const server = metrics
  ? createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(linked ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: linked ? 'ok' : 'broker unavailable' }));
      } else if (req.url === '/metrics') {
        metrics.registry.metrics().then((text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text));
      } else res.writeHead(404).end();
    }).listen(config.WORKER_METRICS_PORT, config.HOST)
  : undefined;

onShutdown(log, config.SHUTDOWN_GRACE_MS, async () => {
  server?.close();
  await consumer.stop();
  await broker.close().catch(() => {});
  await Promise.allSettled([db.end(), redis.quit()]);
});
