// The core as a library, for processes that assemble its parts themselves: the load benchmark's
// alternative designs (a fan-out worker of their own build, and the extension point it takes) and
// the benchmarks that run the API, the relay, the worker and the feed reader in their process.
export { createApp } from './app.ts';
export { loadConfig, type Config } from './config.ts';
export { createPost } from './domain/posting.ts';
export { FeedReader } from './feed/reader.ts';
export { OutboxRelay } from './relay/outbox-relay.ts';
export { FanoutConsumer } from './fanout/consumer.ts';
export { retryPolicy, type RetryPolicy } from './fanout/retry-policy.ts';
export { GatewayPublisher, type LivePublisher } from './fanout/live-publisher.ts';
export { createLogger, type Logger } from './log.ts';
export { createServices } from './services.ts';
export { onShutdown } from './shutdown.ts';
export { serveWorkerPort } from './worker-port.ts';
