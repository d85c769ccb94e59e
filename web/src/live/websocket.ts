// The WebSocket transport: subprotocol `feed.v1`, resume with `?since=<id>`, authenticated by
// the HttpOnly login cookie (the browser sends it with the same-origin upgrade).
import { parseFrame } from './events.ts';
import { STREAM_PATH, type OpenTransport, type TransportEnd } from './transport.ts';

export const FEED_V1 = 'feed.v1';

/** What the gateway's close codes ask of the client. */
export function endFromClose(code: number, reason: string, opened: boolean): TransportEnd {
  const detail = reason || `closed (${code})`;
  return {
    neverOpened: !opened,
    expired: code === 4001,
    reconnectNow: code === 1012 || code === 1001,
    detail: code === 4008 ? 'connection too slow: resuming' : detail,
  };
}

export function streamUrl(base: Location | URL, protocol: 'ws' | 'http', resumeParam: string, resumeFrom: string | null): string {
  const url = new URL(STREAM_PATH, base.href);
  if (protocol === 'ws') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (resumeFrom) url.searchParams.set(resumeParam, resumeFrom);
  return url.toString();
}

export function createWebSocketTransport(options: { openTimeoutMs?: number; location?: Location | URL } = {}): OpenTransport {
  return (resumeFrom, handlers) => {
    const url = streamUrl(options.location ?? window.location, 'ws', 'since', resumeFrom);
    let opened = false;
    let finished = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, FEED_V1);
    } catch (err) {
      // Refused before any network traffic (a blocked port, a content policy, no WebSocket).
      queueMicrotask(() => handlers.onEnd({ neverOpened: true, expired: false, reconnectNow: false, detail: `WebSocket unavailable: ${(err as Error).message}` }));
      return { kind: 'websocket', close() {} };
    }
    const finish = (end: TransportEnd) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      handlers.onEnd(end);
    };
    // A proxy that swallows the upgrade never answers: give up and let the connection fall back.
    const timer = setTimeout(() => {
      if (opened) return;
      finish({ neverOpened: true, expired: false, reconnectNow: false, detail: 'WebSocket handshake timed out' });
      ws.close();
    }, options.openTimeoutMs ?? 8_000);

    ws.onopen = () => {
      if (finished) return;
      if (ws.protocol !== FEED_V1) {
        finish({ neverOpened: true, expired: false, reconnectNow: false, detail: 'server does not speak feed.v1' });
        ws.close();
        return;
      }
      opened = true;
      clearTimeout(timer);
      handlers.onOpen();
    };
    ws.onmessage = (message) => {
      if (finished || typeof message.data !== 'string') return;
      const event = parseFrame(message.data);
      if (event) handlers.onEvent(event);
    };
    ws.onclose = (e) => finish(endFromClose(e.code, e.reason, opened));
    // `error` is always followed by `close`, which carries the code.

    return {
      kind: 'websocket',
      close() {
        finished = true;
        clearTimeout(timer);
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.close(1000);
      },
    };
  };
}
