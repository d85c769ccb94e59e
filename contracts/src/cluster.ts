// core's `GET /cluster`, as the SPA's cluster page reads it. No imports: the SPA loads this in the browser.

/** One gateway in core's `GET /cluster`: counters are totals since the gateway started. */
export interface GatewayStats {
  id: string;
  url: string | null;
  /** False when the gateway did not answer its /metrics in time (its figures are then null). */
  reachable: boolean;
  /** What the gateway runs on ('node' or 'deno', from its gateway_info metric); null when unreachable. */
  runtime: string | null;
  sessions: number | null;
  users: number | null;
  messagesIn: number | null;
  eventsIn: number | null;
  eventsOut: number | null;
}
