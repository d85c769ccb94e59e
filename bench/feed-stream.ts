// One stream of ours as the benchmarks hold it: the client SDK's FeedClient, as an app on Node
// would hold it (with the SDK's Node adapters), with WebSocket or SSE forced (no fallback) and
// no reconnect. A stream that ends is lost, not reconnected: a reconnect would resume and blur
// what the run delivered live.
import { FeedClient, type FeedEvent } from '@feed/client';
import { nodeStreamFetch, nodeWebSocket } from '@feed/client/node';
import type { Connection } from './client-pool.ts';

export type StreamTransport = 'ws' | 'sse';

export interface FeedStreamOptions {
  /** The site the stream is on (http://host:port: a gateway, HAProxy, any server of feed.v1). */
  site: string;
  token: string;
  transport: StreamTransport;
  /** Decoded events; or, cheaper, `onRawFrame` for a stream that only counts. */
  onEvent?(event: FeedEvent): void;
  onRawFrame?(frame: string): void;
}

/** Resolves once the stream is open; rejects if its first attempt fails. */
export function openFeedStream(o: FeedStreamOptions, lost: (why: string) => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let opened = false;
    const client = new FeedClient({
      url: o.site,
      token: o.token,
      transport: o.transport === 'ws' ? 'websocket' : 'sse',
      webSocket: nodeWebSocket,
      fetch: nodeStreamFetch,
      // Thousands of handshakes at once on a shared machine: slow is not dead.
      openTimeoutMs: 30_000,
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      ...(o.onRawFrame ? { onRawFrame: o.onRawFrame } : {}),
      onStatus: (status) => {
        if (status.state === 'open' && !opened) {
          opened = true;
          resolve({ close: () => client.stop() });
        } else if (status.state === 'reconnecting' || (status.state === 'closed' && status.error)) {
          client.stop();
          if (!opened) reject(new Error(status.error?.message ?? status.detail ?? 'could not connect'));
          else lost(status.error?.message ?? status.detail ?? status.state);
        }
      },
    });
    client.start();
  });
}
