// The gateway as a library, for processes that run a gateway of their own build (the load
// benchmark's alternative designs): the node, its server, and the extension points it takes.
export { loadConfig, type GatewayConfig } from './config.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { GatewayNode } from './node.ts';
export { createGatewayServer } from './server.ts';
export { gatewayRouting, type QueueRouting } from './broker.ts';
