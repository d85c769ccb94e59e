// How old a post's event is as it leaves each of core's hops (relay, worker), one histogram for
// the process: the relay and the fan-out worker observe into it where they stand, and the
// process's /metrics registry (http/metrics.ts) exposes it beside the gateways' hops.
import { Histogram } from 'prom-client';
import { PIPELINE_AGE_BUCKETS_SECONDS, PIPELINE_AGE_METRIC, type PipelineHop } from '@feed/contracts';

export const pipelineAge = new Histogram({
  ...PIPELINE_AGE_METRIC,
  labelNames: ['hop'] as const,
  buckets: [...PIPELINE_AGE_BUCKETS_SECONDS],
  registers: [],
});

/** `createdAt` in ms since the epoch (as the live messages carry it); `at`: when the event left the hop. */
export function observeAge(hop: PipelineHop, createdAt: number, at = Date.now()): void {
  if (Number.isFinite(createdAt)) pipelineAge.observe({ hop }, Math.max(0, at - createdAt) / 1000);
}
