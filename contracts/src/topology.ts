// RabbitMQ names shared by core (publisher, worker) and gateways. A prefix lets several
// stacks, and every test run, share one broker without seeing each other's messages.
export function topology(prefix = '') {
  return {
    /** Topic exchange of domain events from the outbox; routing key = event type. */
    domainExchange: `${prefix}posts`,
    /** Quorum queue of fan-out work, consumed by the workers as competing consumers. */
    fanoutQueue: `${prefix}fanout`,
    /** Where malformed or unprocessable fan-out messages go, with the reason in a header. */
    deadLetterExchange: `${prefix}fanout.dlx`,
    deadLetterQueue: `${prefix}fanout.dead`,
    /** Direct exchange of live events; each gateway binds its own queue with `gw.<id>`. */
    gatewayExchange: `${prefix}gateways`,
    gatewayQueue: (gatewayId: string) => `${prefix}gw.${gatewayId}`,
    gatewayRoutingKey: (gatewayId: string) => `gw.${gatewayId}`,
  };
}

export type Topology = ReturnType<typeof topology>;
