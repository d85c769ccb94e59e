// A client process (forked by the load tool): holds many stream connections (ours through the
// client SDK, Socket.IO through its own client) and reports, in batches over IPC, every
// post.created it receives: [postId, userId, receivedAt, 0 (live)] (bench/ledger.ts's receipts).
import { io, type Socket } from 'socket.io-client';
import { FeedClient } from '@feed/client';
import { nodeWebSocket } from '@feed/client/node';
import { now } from '../clock.ts';

export type ConnKind = 'ws' | 'sse' | 'sio';
export interface ConnSpec {
  userId: number;
  token: string;
  /** ws://…/post/feed/posted, http://…/post/feed/posted, or a Socket.IO http://host:port */
  url: string;
  kind: ConnKind;
}
export type ToClient = { type: 'open'; conns: ConnSpec[]; concurrency: number } | { type: 'close' };
export type FromClient = { type: 'opened'; ok: number; failed: number; errors: string[]; failedUsers: number[] } | { type: 'progress'; done: number } | { type: 'receipts'; flat: number[] } | { type: 'closed'; unexpectedCloses: number };

const send = (m: FromClient) => process.send!(m);
let batch: number[] = [];
let unexpectedCloses = 0;
let closing = false;
const closers: (() => void)[] = [];

setInterval(() => {
  if (batch.length === 0) return;
  const flat = batch;
  batch = [];
  send({ type: 'receipts', flat });
}, 50);

function got(postId: string | number, userId: number): void {
  batch.push(Number(postId), userId, now(), 0);
}

/**
 * A stream connection of ours through the client SDK, as an app would hold it: WebSocket or SSE
 * forced, no fallback. The benchmark counts a connection that ends as an unexpected close and
 * does not reconnect it (a reconnect would resume and blur what the run delivered live).
 */
function openFeed(c: ConnSpec): Promise<void> {
  const site = new URL(c.url);
  site.protocol = site.protocol === 'wss:' ? 'https:' : site.protocol === 'ws:' ? 'http:' : site.protocol;
  return new Promise((resolve, reject) => {
    let opened = false;
    const client = new FeedClient({
      url: site.origin,
      token: c.token,
      transport: c.kind === 'ws' ? 'websocket' : 'sse',
      webSocket: nodeWebSocket,
      openTimeoutMs: 30_000,
      onEvent: (event) => {
        if (event.type === 'post.created') got(event.data.id, c.userId);
      },
      onStatus: (status) => {
        if (status.state === 'open' && !opened) {
          opened = true;
          closers.push(() => client.stop());
          resolve();
        } else if (status.state === 'reconnecting' || (status.state === 'closed' && status.error)) {
          client.stop();
          if (!opened) reject(new Error(`${c.kind}: ${status.error?.message ?? status.detail ?? 'could not connect'}`));
          else if (!closing) unexpectedCloses++;
        }
      },
    });
    client.start();
  });
}

function openSio(c: ConnSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = io(c.url, { transports: ['websocket'], auth: { token: c.token }, reconnection: false, forceNew: true, timeout: 30_000 });
    socket.on('post', (p: { id: string }) => got(p.id, c.userId));
    socket.once('connect', () => {
      closers.push(() => socket.disconnect());
      socket.on('disconnect', () => {
        if (!closing) unexpectedCloses++;
      });
      resolve();
    });
    socket.once('connect_error', (err) => reject(err));
  });
}

const openers = { ws: openFeed, sse: openFeed, sio: openSio } as const;

process.on('message', async (m: ToClient) => {
  if (m.type === 'open') {
    let ok = 0;
    let failed = 0;
    const errors: string[] = [];
    const failedUsers: number[] = [];
    let next = 0;
    const progress = setInterval(() => send({ type: 'progress', done: ok + failed }), 1000);
    const lane = async () => {
      while (next < m.conns.length) {
        const c = m.conns[next++]!;
        try {
          await openers[c.kind](c);
          ok++;
        } catch (err) {
          failed++;
          failedUsers.push(c.userId);
          if (errors.length < 5) errors.push(`${c.kind} ${c.userId}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, m.concurrency) }, lane));
    clearInterval(progress);
    send({ type: 'opened', ok, failed, errors, failedUsers });
  } else if (m.type === 'close') {
    closing = true;
    // Last receipts first.
    if (batch.length) send({ type: 'receipts', flat: batch });
    batch = [];
    for (const close of closers) close();
    send({ type: 'closed', unexpectedCloses });
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
