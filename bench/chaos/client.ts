// A chaos client process (forked by the chaos and soak runs): holds many streams (WebSocket
// feed.v1 or SSE) through HAProxy and behaves as the SPA does when one breaks: reconnects by
// itself with exponential backoff and full jitter (a short random delay after a drain, close
// code 1012), resumes from the last event id it saw (`?since=` / `Last-Event-ID`), and on
// `feed.reset`, or when it reconnects without any id, refetches GET /post/feed and merges it
// by post id. Everything it receives goes to the parent over IPC in batches: every
// post.created [postId, userId, at, source] (source 0 = live, 1 = re-fetched feed), and the
// moments each stream went down and came back.
import http from 'node:http';
import WebSocket from 'ws';
import { now } from '../load/ledger.ts';

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
export type ToChaosClient = { type: 'open'; conns: ChaosConn[]; settings: ClientSettings; concurrency: number } | { type: 'close' };
export interface StreamEvent {
  e: 'down' | 'up' | 'reset' | 'refetch';
  u: number;
  at: number;
  /** down: close code or error; up: attempts it took; reset: reason; refetch: posts. */
  d?: string | number;
}
export type FromChaosClient =
  | { type: 'opened'; ok: number; failed: number; errors: string[] }
  | { type: 'batch'; receipts: number[]; events: StreamEvent[] }
  | { type: 'closed' };

const send = (m: FromChaosClient) => process.send!(m);
let receipts: number[] = [];
let events: StreamEvent[] = [];
let closing = false;
let settings: ClientSettings;
const streams: Stream[] = [];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const restAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function flush(): void {
  if (receipts.length === 0 && events.length === 0) return;
  send({ type: 'batch', receipts, events });
  receipts = [];
  events = [];
}
setInterval(flush, 50);

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
  lastId: string | null = null;
  attempt = 0;
  downAt: number | null = null;
  /** Open (or opening) connection's closer. */
  private stop: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped per connection, so events of an abandoned one are ignored. */
  private generation = 0;
  private refetching = false;
  private refetchAgain = false;
  everOpened = false;

  constructor(readonly c: ChaosConn) {}

  /** First connection: resolves once open (or rejects), no retry. */
  first(): Promise<void> {
    return new Promise((resolve, reject) => this.connect(resolve, reject));
  }

  private connect(opened?: () => void, failed?: (err: Error) => void): void {
    const gen = ++this.generation;
    const fresh = this.lastId === null;
    let isOpen = false;
    const timeout = setTimeout(() => end(new Error('open timeout')), settings.openTimeoutMs);
    const onOpen = () => {
      if (gen !== this.generation) return;
      isOpen = true;
      clearTimeout(timeout);
      if (this.downAt !== null) {
        events.push({ e: 'up', u: this.c.userId, at: now(), d: this.attempt });
        this.downAt = null;
        // A reconnect without an id starts at "now": what came meanwhile is only in the feed.
        if (fresh) void this.refetch('reconnected without an id');
      }
      this.attempt = 0;
      this.everOpened = true;
      opened?.();
    };
    const end = (reason: Error | number) => {
      if (gen !== this.generation) return;
      this.generation++;
      clearTimeout(timeout);
      this.stop?.();
      this.stop = null;
      if (!isOpen && failed) return failed(reason instanceof Error ? reason : new Error(`closed ${reason}`));
      if (closing) return;
      if (this.downAt === null) {
        this.downAt = now();
        events.push({ e: 'down', u: this.c.userId, at: this.downAt, d: reason instanceof Error ? reason.message.slice(0, 60) : reason });
      }
      const delay =
        reason === 1012
          ? Math.random() * settings.drainJitterMs
          : Math.random() * Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** Math.min(this.attempt, 20));
      this.attempt++;
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!closing) this.connect();
      }, delay);
    };
    const onEvent = (id: string, type: string, data: string) => {
      if (gen !== this.generation) return;
      this.lastId = id;
      if (type === 'post.created') receipts.push(Number(JSON.parse(data).id), this.c.userId, now(), 0);
      else if (type === 'feed.reset') {
        events.push({ e: 'reset', u: this.c.userId, at: now(), d: String(JSON.parse(data).reason) });
        void this.refetch('reset');
      }
    };
    if (this.c.kind === 'ws') this.openWs(onOpen, onEvent, end);
    else this.openSse(onOpen, onEvent, end);
  }

  private openWs(onOpen: () => void, onEvent: (id: string, type: string, data: string) => void, end: (r: Error | number) => void): void {
    const url = `${settings.baseUrl.replace('http:', 'ws:')}/post/feed/posted${this.lastId ? `?since=${encodeURIComponent(this.lastId)}` : ''}`;
    const ws = new WebSocket(url, ['feed.v1'], { headers: { authorization: `Bearer ${this.c.token}` }, perMessageDeflate: false });
    this.stop = () => ws.terminate();
    ws.on('open', onOpen);
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { id: string; type: string; data: unknown };
      onEvent(m.id, m.type, JSON.stringify(m.data));
    });
    ws.on('close', (code) => end(code));
    ws.on('error', (err) => end(err));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      end(new Error(`handshake ${res.statusCode}`));
    });
  }

  private openSse(onOpen: () => void, onEvent: (id: string, type: string, data: string) => void, end: (r: Error | number) => void): void {
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.c.token}` };
    if (this.lastId) headers['last-event-id'] = this.lastId;
    const req = http.get(`${settings.baseUrl}/post/feed/posted`, { agent, headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        end(new Error(`sse ${res.statusCode}`));
        return;
      }
      onOpen();
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let id = '';
          let type = '';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (id && type) onEvent(id, type, data);
        }
      });
      res.on('close', () => end(-1));
      res.on('error', (err) => end(err));
    });
    this.stop = () => req.destroy();
    req.on('error', (err) => end(err));
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
              const page = (await getJson(`${settings.baseUrl}/post/feed?offset=${offset}&limit=100`, this.c.token)) as { id: string }[];
              const at = now();
              for (const p of page) receipts.push(Number(p.id), this.c.userId, at, 1);
              got += page.length;
              if (page.length < 100) break;
            }
            events.push({ e: 'refetch', u: this.c.userId, at: now(), d: `${why}: ${got}` });
            break;
          } catch {
            if (closing) return;
            await new Promise((r) => setTimeout(r, Math.random() * Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** attempt++)));
          }
        }
      } while (this.refetchAgain && !closing);
    } finally {
      this.refetching = false;
    }
  }

  close(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.stop?.();
  }
}

process.on('message', async (m: ToChaosClient) => {
  if (m.type === 'open') {
    settings = m.settings;
    let ok = 0;
    let failed = 0;
    const errors: string[] = [];
    let next = 0;
    const lane = async () => {
      while (next < m.conns.length) {
        const s = new Stream(m.conns[next++]!);
        streams.push(s);
        try {
          await s.first();
          ok++;
        } catch (err) {
          failed++;
          if (errors.length < 5) errors.push(`${s.c.kind} ${s.c.userId}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, m.concurrency) }, lane));
    send({ type: 'opened', ok, failed, errors });
  } else if (m.type === 'close') {
    closing = true;
    flush();
    for (const s of streams) s.close();
    send({ type: 'closed' });
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
