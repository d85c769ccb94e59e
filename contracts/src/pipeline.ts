// The hops an event passes on its way from the post's commit to a client's socket, and the
// histogram buckets every process times them in: the age of the event (now − the post's
// createdAt) as it leaves each hop. Fine at the bottom (1 ms steps to 10 ms), because the
// latency target is tens of milliseconds; the same buckets everywhere, so the hops line up.
export const PIPELINE_HOPS = [
  'post committed', // the post and its outbox row are committed (core's API)
  'relay read', // the outbox relay read the row (core)
  'relay published', // the outbox relay's publish to the domain exchange is confirmed (core)
  'worker consumed', // the fan-out worker got the message from its queue
  'redis written', // feeds, event logs (or the celebrity's timeline) written
  'gateway published', // the live messages to the gateways are confirmed by RabbitMQ
  'gateway received', // a gateway took the message off its queue
  'socket written', // a session wrote the frame to its client (one per recipient)
] as const;

export type PipelineHop = (typeof PIPELINE_HOPS)[number];

/** The histogram every process keeps, labelled by hop (prom-client's name and help). */
export const PIPELINE_AGE_METRIC = {
  name: 'feed_pipeline_age_seconds',
  help: "A post event's age (since the post's createdAt) as it leaves each hop",
} as const;

export const PIPELINE_AGE_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.012, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10,
];
