// The chaos runs' client module (run in the processes of their ClientPool): streams (WebSocket
// feed.v1 or SSE) through HAProxy, each one the stream SDK's FeedClient, as the SPA's is: it
// reconnects by itself with exponential backoff and full jitter (a short random delay after a
// drain, close code 1012), resumes from the last event id, and raises `feed.reset` when resuming
// is impossible or it reconnects without any id; this client then refetches GET /post/feed and
// merges it by post id. Everything it receives goes to the parent in batches: every
// post.created [postId, userId, at, source] (source 0 = live, 1 = re-fetched feed), and the
// moments each stream went down and came back.
import http from 'node:http';
import { backoffDelay, FeedClient, NO_POSITION, type FeedStatus } from '@feed/client';
import { nodeStreamFetch, nodeWebSocket } from '@feed/client/node';
import { serveConnections } from '../client-pool.ts';
import { now } from '../clock.ts';

export type Kind = 'ws' | 'sse';
export interface ChaosConn {
  userId: number;
  token: string;
  kind: Kind;
}
export interface ClientSettings {
  /** HAProxy's base URL (http://host:port): streams and GET /post/feed. */
  baseUrl: string;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** After a drain (1012): reconnect within this random delay. */
  drainJitterMs: number;
  /** An attempt that has not opened by then is abandoned and retried. */
  openTimeoutMs: number;
}
export interface StreamEvent {
  e: 'down' | 'up' | 'reset' | 'refetch';
  u: number;
  at: number;
  /** down: close code or error; up: attempts it took; reset: reason; refetch: posts. */
  d?: string | number;
}
export interface ChaosBatch {
  receipts: number[];
  events: StreamEvent[];
}

/** What this process's streams received since the last batch. */
let receipts: number[] = [];
let events: StreamEvent[] = [];
const restAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function getJson(url: string, token: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: restAgent, headers: { authorization: `Bearer ${token}` }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${res.statusCode}`));
        else {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err);
          }
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

class Stream {
  downAt: number | null = null;
  /** Failed attempts of the current outage, as the client last reported them. */
  private attempts = 0;
  private readonly client: FeedClient;
  private refetching = false;
  private refetchAgain = false;
  private closed = false;
  private first: { opened: () => void; failed: (err: Error) => void } | null = null;

  constructor(
    readonly c: ChaosConn,
    private readonly settings: ClientSettings,
  ) {
    this.client = new FeedClient({
      url: settings.baseUrl,
      token: c.token,
      transport: c.kind === 'ws' ? 'websocket' : 'sse',
      webSocket: nodeWebSocket,
      fetch: nodeStreamFetch,
      backoff: { baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs },
      drainJitterMs: settings.drainJitterMs,
      openTimeoutMs: settings.openTimeoutMs,
      onStatus: (status) => this.status(status),
      onEvent: (event) => {
        if (event.type === 'post.created') receipts.push(Number(event.data.id), this.c.userId, now(), 0);
        else if (event.type === 'feed.reset') {
          if (event.data.reason === NO_POSITION) return void this.refetch('reconnected without an id');
          events.push({ e: 'reset', u: this.c.userId, at: now(), d: event.data.reason });
          void this.refetch('reset');
        }
      },
    });
  }

  /** First connection: resolves once open, rejects (and stops) if the first attempt fails. */
  open(): Promise<void> {
    return new Promise((opened, failed) => {
      this.first = { opened, failed };
      this.client.start();
    });
  }

  private status(status: FeedStatus): void {
    if (this.first) {
      if (status.state === 'open') this.first.opened();
      else if (status.state === 'reconnecting' || status.state === 'closed') {
        this.client.stop();
        this.first.failed(new Error(status.detail ?? status.state));
      } else return;
      this.first = null;
      return;
    }
    if (this.closed) return;
    if (status.state === 'open') {
      if (this.downAt !== null) {
        events.push({ e: 'up', u: this.c.userId, at: now(), d: this.attempts });
        this.downAt = null;
      }
      this.attempts = 0;
    } else if (status.state === 'reconnecting' || status.state === 'closed') {
      this.attempts = status.attempt;
      if (this.downAt === null) {
        this.downAt = now();
        events.push({ e: 'down', u: this.c.userId, at: this.downAt, d: status.code ?? status.detail?.slice(0, 60) ?? status.state });
      }
    }
  }

  /** GET /post/feed, newest first, page by page (as the SPA refetches), retried until it works. */
  private async refetch(why: string): Promise<void> {
    if (this.refetching) {
      this.refetchAgain = true;
      return;
    }
    this.refetching = true;
    let attempt = 0;
    try {
      do {
        this.refetchAgain = false;
        for (;;) {
          try {
            let got = 0;
            for (let offset = 0; offset < 1000; offset += 100) {
              const page = (await getJson(`${this.settings.baseUrl}/post/feed?offset=${offset}&limit=100`, this.c.token)) as { id: string }[];
              const at = now();
              for (const p of page) receipts.push(Number(p.id), this.c.userId, at, 1);
              got += page.length;
              if (page.length < 100) break;
            }
            events.push({ e: 'refetch', u: this.c.userId, at: now(), d: `${why}: ${got}` });
            break;
          } catch {
            if (this.closed) return;
            await new Promise((r) => setTimeout(r, backoffDelay(attempt++, { baseMs: this.settings.backoffBaseMs, capMs: this.settings.backoffCapMs })));
          }
        }
      } while (this.refetchAgain && !this.closed);
    } finally {
      this.refetching = false;
    }
  }

  close(): void {
    this.closed = true;
    this.client.stop();
  }
}

export const chaosClients = serveConnections<ChaosConn, ChaosBatch, ClientSettings>((settings) => ({
  async open(c) {
    const stream = new Stream(c, settings);
    await stream.open();
    return stream;
  },
  take() {
    if (receipts.length === 0 && events.length === 0) return null;
    const batch = { receipts, events };
    receipts = [];
    events = [];
    return batch;
  },
}));
