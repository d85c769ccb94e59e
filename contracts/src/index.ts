export * from './token.ts';
export * from './events.ts';
export * from './live.ts';
export * from './topology.ts';
export * from './amqp-urls.ts';
export * from './redis-nodes.ts';
export * from './stream.ts';
export * from './cluster.ts';
