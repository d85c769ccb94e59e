// The gateway's Prometheus metrics, and what a message taken off the queue and a frame written
// to a client record in them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { currentRuntime } from './launch.ts';
import { PIPELINE_AGE_BUCKETS_SECONDS, PIPELINE_AGE_METRIC, type GatewayMessage } from '@feed/contracts';

/** A post's age (since its createdAt, ms since the epoch) now, in seconds. */
const ageSeconds = (createdAt: number): number => Math.max(0, Date.now() - createdAt) / 1000;

export function createMetrics(gatewayId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ gateway: gatewayId });
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  // An info metric (always 1): the runtime is a label, as Prometheus' *_info convention has it;
  // core's /cluster reads it from here.
  new Gauge({ name: 'gateway_info', help: 'The runtime this gateway runs on', labelNames: ['runtime'] as const, registers: r }).set({ runtime: currentRuntime() }, 1);
  const messagesIn = new Counter({ name: 'gateway_messages_in_total', help: 'Messages consumed from this gateway queue', registers: r });
  const eventsOut = new Counter({ name: 'gateway_events_out_total', help: 'Frames written to clients', labelNames: ['transport'] as const, registers: r });
  const deliveryLag = new Histogram({
    name: 'gateway_delivery_lag_seconds',
    help: 'From post creation to the socket write',
    buckets: [...PIPELINE_AGE_BUCKETS_SECONDS],
    registers: r,
  });
  /** A live message's age as this gateway takes it off its queue (the socket write is deliveryLag). */
  const receivedAge = new Histogram({
    ...PIPELINE_AGE_METRIC,
    labelNames: ['hop'] as const,
    buckets: [...PIPELINE_AGE_BUCKETS_SECONDS],
    registers: r,
  });
  return {
    registry,
    sessions: new Gauge({ name: 'gateway_sessions', help: 'Open sessions by transport', labelNames: ['transport'] as const, registers: r }),
    users: new Gauge({ name: 'gateway_users', help: 'Distinct users with a session here', registers: r }),
    messagesIn,
    eventsIn: new Counter({ name: 'gateway_events_in_total', help: 'Recipient events received (one per listed user or audience member)', registers: r }),
    eventsOut,
    deliveryLag,
    receivedAge,
    /** A message taken off the gateway's queue: counted, and a new post's age at this hop observed. */
    received(message: GatewayMessage): void {
      messagesIn.inc();
      if ((message.kind === 'direct' || message.kind === 'audience') && message.event.type === 'post.created') receivedAge.observe({ hop: 'gateway received' }, ageSeconds(message.createdAt));
    },
    /** A frame a session wrote to its client (its onSent): counted by transport, and its post's age at the socket write. */
    frameSent(session: { readonly transport: { readonly kind: string } }, createdAt: number | undefined): void {
      eventsOut.inc({ transport: session.transport.kind });
      if (createdAt) deliveryLag.observe(ageSeconds(createdAt));
    },
    closes: new Counter({ name: 'gateway_closes_total', help: 'Sessions closed by the gateway, by reason', labelNames: ['reason'] as const, registers: r }),
    resumes: new Counter({ name: 'gateway_resumes_total', help: 'Sessions resumed from an event id', registers: r }),
    gapFills: new Counter({ name: 'gateway_gap_fills_total', help: 'Live events that overtook another: the gap filled from the event log', registers: r }),
    lostState: new Counter({
      name: 'gateway_redis_lost_state_total',
      help: 'Users whose presence entry or log epoch Redis lost (failover, flush): their sessions caught up',
      registers: r,
    }),
    resets: new Counter({ name: 'gateway_resets_total', help: 'feed.reset sent (resume impossible)', registers: r }),
    rejected: new Counter({ name: 'gateway_rejected_total', help: 'Connections refused at the handshake', labelNames: ['status'] as const, registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
