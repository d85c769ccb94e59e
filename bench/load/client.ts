// A client process (forked by the load tool): holds many stream connections and reports, in
// batches over IPC, every post.created it receives: [postId, userId, receivedAt, ...].
import http from 'node:http';
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import { now } from './ledger.ts';

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
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

setInterval(() => {
  if (batch.length === 0) return;
  const flat = batch;
  batch = [];
  send({ type: 'receipts', flat });
}, 50);

function got(postId: string | number, userId: number): void {
  batch.push(Number(postId), userId, now());
}

function openWs(c: ConnSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(c.url, ['feed.v1'], { headers: { authorization: `Bearer ${c.token}` }, perMessageDeflate: false });
    ws.on('message', (data) => {
      const text = data.toString();
      // {"id":"…","type":"post.created","data":{"id":"123",…}}
      if (!text.includes('"type":"post.created"')) return;
      got(JSON.parse(text).data.id, c.userId);
    });
    ws.once('open', () => {
      closers.push(() => ws.terminate());
      ws.on('close', () => {
        if (!closing) unexpectedCloses++;
      });
      resolve();
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`ws handshake ${res.statusCode}`)));
  });
}

function openSse(c: ConnSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(c.url, { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${c.token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`sse status ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!block.includes('event: post.created')) continue;
          const line = block.split('\n').find((l) => l.startsWith('data: '));
          if (line) got(JSON.parse(line.slice(6)).id, c.userId);
        }
      });
      res.on('close', () => {
        if (!closing) unexpectedCloses++;
      });
      closers.push(() => req.destroy());
      resolve();
    });
    req.on('error', reject);
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

const openers = { ws: openWs, sse: openSse, sio: openSio } as const;

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
