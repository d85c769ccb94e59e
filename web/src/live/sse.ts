// The Server-Sent Events transport, for networks that block WebSocket: EventSource with the
// login cookie (same origin, so no withCredentials), resume with `?lastEventId=<id>`. The
// browser's own EventSource retry is not used: on any error the connection reports its end,
// and the live connection reconnects with its backoff and the latest id, as for WebSocket.
import { EVENT_TYPES, parseSse } from './events.ts';
import { STREAM_PATH, type OpenTransport } from './transport.ts';

export function createSseTransport(options: { location?: Location | URL } = {}): OpenTransport {
  return (resumeFrom, handlers) => {
    if (typeof EventSource === 'undefined') {
      queueMicrotask(() => handlers.onEnd({ neverOpened: true, expired: false, reconnectNow: false, detail: 'this browser has no EventSource' }));
      return { kind: 'sse', close() {} };
    }
    const url = new URL(STREAM_PATH, (options.location ?? window.location).href);
    if (resumeFrom) url.searchParams.set('lastEventId', resumeFrom);
    let source: EventSource;
    try {
      source = new EventSource(url.toString());
    } catch (err) {
      queueMicrotask(() => handlers.onEnd({ neverOpened: true, expired: false, reconnectNow: false, detail: `EventSource unavailable: ${(err as Error).message}` }));
      return { kind: 'sse', close() {} };
    }
    let opened = false;
    let finished = false;
    const finish = (expired: boolean, detail: string) => {
      if (finished) return;
      finished = true;
      source.close();
      handlers.onEnd({ neverOpened: !opened, expired, reconnectNow: false, detail });
    };

    source.onopen = () => {
      opened = true;
      handlers.onOpen();
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        if (finished) return;
        const event = parseSse(message.lastEventId, type, message.data as string);
        if (event) handlers.onEvent(event);
      });
    }
    // The gateway names its own errors (`event: error`, e.g. an expired token) before ending.
    source.addEventListener('error', (message) => {
      const data = (message as MessageEvent).data;
      if (typeof data === 'string') {
        let reason = data;
        try {
          reason = String((JSON.parse(data) as { reason?: unknown }).reason ?? data);
        } catch {
          // not JSON: keep the text
        }
        return finish(/expired/i.test(reason), reason);
      }
      finish(false, opened ? 'event stream interrupted' : 'event stream unavailable');
    });

    return {
      kind: 'sse',
      close() {
        finished = true;
        source.close();
      },
    };
  };
}
