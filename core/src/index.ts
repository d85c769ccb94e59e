// The core as a library, for processes that run a fan-out worker of their own build (the load
// benchmark's alternative designs): the worker's parts and the extension point it takes.
export { loadConfig, type Config } from './config.ts';
export { FanoutConsumer } from './fanout/consumer.ts';
export { retryPolicy, type RetryPolicy } from './fanout/retry-policy.ts';
export { createMetrics } from './http/metrics.ts';
export { GatewayPublisher, type LivePublisher } from './fanout/live-publisher.ts';
export { createLogger, type Logger } from './log.ts';
export { createServices } from './services.ts';
export { onShutdown } from './shutdown.ts';
