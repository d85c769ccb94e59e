// The fan-out worker's own HTTP port (WORKER_METRICS_PORT, optional): /health, 200 while the
// worker is linked to the broker and 503 while it is not, and /metrics (process metrics: heap,
// event-loop lag, hop ages), for operators, the soak run and the load tool.
import { createServer, type Server } from 'node:http';
import type { RecoveringChannelModel } from '@feed/broker';
import { createMetrics } from './http/metrics.ts';

export function serveWorkerPort(port: number, host: string, broker: RecoveringChannelModel): Server {
  const metrics = createMetrics();
  let linked = true;
  broker.on('disconnect', () => (linked = false));
  broker.on('connect', () => (linked = true));
  return createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(linked ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: linked ? 'ok' : 'broker unavailable' }));
    } else if (req.url === '/metrics') {
      void metrics.registry.metrics().then((text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text));
    } else res.writeHead(404).end();
  }).listen(port, host);
}
