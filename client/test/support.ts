// What the SDK's tests against real gateways share: a reader following an author, a client
// whose events and statuses are recorded, and a proxy that blocks WebSocket.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from '../../core/test/client.ts';
import type { Pipeline } from '../../core/test/pipeline.ts';
import { waitFor } from '../../test/support/ports.ts';
import { FeedClient, type FeedClientOptions, type FeedEvent, type FeedStatus } from '../src/index.ts';
import { nodeStreamFetch, nodeWebSocket } from '../src/node.ts';

export type User = Client & { userId: string };

export async function pair(p: Pipeline): Promise<{ author: User; reader: User }> {
  const anon = new Client(p.url);
  const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
  return { author, reader };
}

export async function createPost(author: User, text: string): Promise<string> {
  const reply = await author.post('/post/create', { text });
  if (reply.status !== 200) throw new Error(`post failed: ${reply.status}`);
  return reply.body as string;
}

export interface Recorded {
  client: FeedClient;
  events: FeedEvent[];
  statuses: FeedStatus[];
  /** post.created ids, in arrival order. */
  posts(): string[];
  waitForPost(postId: string, timeoutMs?: number): Promise<void>;
  /** Waits for an event of `type` (the follow notice, say: it and a post may be fanned out in either order). */
  waitForEvent(type: FeedEvent['type'], timeoutMs?: number): Promise<void>;
  waitForStatus(what: string, test: (s: FeedStatus) => boolean, timeoutMs?: number): Promise<FeedStatus>;
}

/** A started client (Node's adapters: `ws`, and `node:http` for SSE; fast backoff) that records what it reports. */
export function recorded(options: FeedClientOptions): Recorded {
  const events: FeedEvent[] = [];
  const statuses: FeedStatus[] = [];
  const client = new FeedClient({
    webSocket: nodeWebSocket,
    fetch: nodeStreamFetch,
    backoff: { baseMs: 100, capMs: 1_000 },
    drainJitterMs: 200,
    ...options,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
    onStatus: (s) => {
      statuses.push(s);
      options.onStatus?.(s);
    },
  }).start();
  const posts = () => events.flatMap((e) => (e.type === 'post.created' ? [e.data.id] : []));
  return {
    client,
    events,
    statuses,
    posts,
    async waitForPost(postId, timeoutMs = 15_000) {
      await waitFor(`post ${postId} (have ${posts().join(',')})`, async () => posts().includes(postId), timeoutMs);
    },
    async waitForEvent(type, timeoutMs = 15_000) {
      await waitFor(`a ${type} event`, async () => events.some((e) => e.type === type), timeoutMs);
    },
    waitForStatus(what, test, timeoutMs = 15_000) {
      return waitFor(what, async () => (test(client.status) ? client.status : undefined), timeoutMs);
    },
  };
}

export interface FrontDoor {
  url: string;
  upgradesRefused(): number;
  close(): Promise<void>;
}

/**
 * A front for the gateway at `target`, as HAProxy is for the app: it serves `files` itself and
 * passes everything else on, WebSocket upgrades included, unless `refuseWebSocket` (a network
 * that blocks WebSocket: every upgrade gets 403).
 */
export async function frontDoor(target: string, options: { refuseWebSocket?: boolean; files?: Record<string, { type: string; body: string }> } = {}): Promise<FrontDoor> {
  const to = new URL(target);
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const file = options.files?.[req.url ?? ''];
    if (file) return void res.writeHead(200, { 'content-type': file.type }).end(file.body);
    const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    if (options.refuseWebSocket) {
      refused++;
      return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
    // Pass the handshake on as it came and splice the two connections.
    const upstream = net.connect(Number(to.port), to.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    for (const s of [upstream, socket as net.Socket]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        upstream.destroy();
        socket.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgradesRefused: () => refused,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A front that refuses every WebSocket upgrade, as some networks do. */
export const webSocketBlocker = (target: string): Promise<FrontDoor> => frontDoor(target, { refuseWebSocket: true });
