export * from './token.ts';
export * from './events.ts';
export * from './live.ts';
export * from './topology.ts';
export * from './amqp-urls.ts';
export * from './stream.ts';
export * from './cluster.ts';
export * from './pipeline.ts';
