// What a client sees on the wire now that a connection's first request head is read before
// Node's HTTP server (server.ts, transports/request-head.ts): a stream request served on the bare
// socket (HTTP/1.1 200, text/event-stream, the body until the connection closes, no chunked
// encoding; or a WebSocket upgrade, with the client's first frame in the same packet as its
// head), a head that arrives a byte at a time, and everything else answered by Node's server
// as before: malformed and oversized heads, a stream request with a body, one request per
// connection handed on, and a head that never completes.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { Client } from '../../core/test/client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { online, runtime, startGateway, type Gateway } from './harness.ts';

let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  gw = await startGateway(p);
}, 90_000);

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await p?.close();
});

/** A TCP connection to the gateway that records every byte it receives. */
async function connect(): Promise<{ socket: net.Socket; text(): string; closed: Promise<void> }> {
  const { port, hostname } = new URL(gw.httpUrl);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, text: () => Buffer.concat(chunks).toString('latin1'), closed };
}

/** Writes `text` one byte per write, letting the event loop turn between them. */
async function writeByteByByte(socket: net.Socket, text: string): Promise<void> {
  for (const byte of Buffer.from(text)) {
    socket.write(Buffer.from([byte]));
    await new Promise((r) => setImmediate(r));
  }
}

const streamHead = (token: string, extra = '') => `GET /post/feed/posted HTTP/1.1\r\nHost: gateway\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n${extra}\r\n`;

describe(`a stream request on its own connection, on ${runtime}`, () => {
  it('is served on the socket: 200, text/event-stream, Connection: close, events without chunked framing', async () => {
    const anon = new Client(p.url);
    const [author, reader] = await Promise.all([anon.signUp(), anon.signUp()]);
    expect((await reader.put(`/friend/set/${author.userId}`)).status).toBe(200);
    const c = await connect();
    c.socket.write(streamHead(reader.token!));
    await waitFor('the stream to open', async () => c.text().includes(': connected'), 10_000, 20);
    await online(p, reader.userId, gw);
    const postId = (await author.post('/post/create', { text: 'on the wire' })).body as string;
    await waitFor('the event', async () => c.text().includes(`"id":"${postId}"`), 10_000, 20);

    const [head, body] = c.text().split('\r\n\r\n', 2) as [string, string];
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 200 OK');
    expect(lines).toContain('Content-Type: text/event-stream; charset=utf-8');
    expect(lines).toContain('Connection: close');
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    // The body is SSE itself: it starts with the retry field, not a chunk size.
    expect(body.startsWith('retry: ')).toBe(true);
    expect(body).toContain('event: post.created');
    c.socket.destroy();
  });

  it('reads a head that arrives a byte at a time, and one with a request pipelined behind it', async () => {
    const reader = await new Client(p.url).signUp();
    const slow = await connect();
    await writeByteByByte(slow.socket, streamHead(reader.token!));
    await waitFor('the byte-at-a-time stream to open', async () => slow.text().includes(': connected'), 10_000, 20);
    const pipelined = await connect();
    pipelined.socket.write(streamHead(reader.token!) + 'GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await waitFor('the pipelined stream to open', async () => pipelined.text().includes(': connected'), 10_000, 20);
    expect(pipelined.text()).not.toContain('"status"'); // what followed the stream's head is not answered
    slow.socket.destroy();
    pipelined.socket.destroy();
  });

  it('refuses a bad token on the socket with 401 and a JSON message', async () => {
    const c = await connect();
    c.socket.write(streamHead('garbage'));
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(JSON.parse(c.text().split('\r\n\r\n')[1]!)).toHaveProperty('message');
  });
});

const upgradeHead = (token: string, path = '/post/feed/posted') =>
  `GET ${path} HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: feed.v1\r\nAuthorization: Bearer ${token}\r\n\r\n`;
/** A client's ping frame (masked, as every client frame is) carrying `payload`. */
function maskedPing(payload: string): Buffer {
  const data = Buffer.from(payload);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x89, 0x80 | data.length]), mask, Buffer.from(data.map((b, i) => b ^ mask[i % 4]!))]);
}

describe(`a WebSocket upgrade on its own connection, on ${runtime}`, () => {
  it('switches protocols on the socket, and reads a frame sent in the same packet as the head', async () => {
    const reader = await new Client(p.url).signUp();
    const c = await connect();
    c.socket.write(Buffer.concat([Buffer.from(upgradeHead(reader.token!)), maskedPing('same-packet')]));
    // The pong (opcode 0xA, unmasked from the server) echoes the ping's payload.
    await waitFor('the pong', async () => c.text().includes('\x8a\x0bsame-packet'), 10_000, 20);
    const lines = c.text().split('\r\n\r\n', 1)[0]!.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 101 Switching Protocols');
    expect(lines).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(lines).toContain('Sec-WebSocket-Protocol: feed.v1');
    c.socket.destroy();
  });

  it('reads a handshake that arrives a byte at a time', async () => {
    const reader = await new Client(p.url).signUp();
    const c = await connect();
    await writeByteByByte(c.socket, upgradeHead(reader.token!));
    await waitFor('the switch', async () => c.text().startsWith('HTTP/1.1 101 Switching Protocols\r\n'), 10_000, 20);
    c.socket.write(maskedPing('after'));
    await waitFor('the pong', async () => c.text().includes('\x8a\x05after'), 10_000, 20);
    c.socket.destroy();
  });

  it('refuses an upgrade elsewhere with 404, and a bad token with 401, each with a JSON message', async () => {
    for (const [head, status] of [
      [upgradeHead('garbage', '/elsewhere'), 404],
      [upgradeHead('garbage'), 401],
    ] as const) {
      const c = await connect();
      c.socket.write(head);
      await c.closed;
      expect(c.text()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(JSON.parse(c.text().split('\r\n\r\n')[1]!)).toHaveProperty('message');
    }
  });
});

describe(`everything else goes on to Node's HTTP server, on ${runtime}`, () => {
  it('answers malformed and oversized heads (a stream’s too) with 400 and 431, and a stream request with a body with 400', async () => {
    const malformed = await connect();
    malformed.socket.write('NOT HTTP AT ALL\r\n\r\n');
    await malformed.closed;
    expect(malformed.text()).toMatch(/^HTTP\/1\.1 400 /);

    const oversized = await connect();
    oversized.socket.write(`GET /health HTTP/1.1\r\nHost: gateway\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await oversized.closed;
    expect(oversized.text()).toMatch(/^HTTP\/1\.1 431 /);

    // A stream's head is bounded like any other, whether it asks for SSE or an upgrade, in one packet or two.
    const reader = await new Client(p.url).signUp();
    const big = `X-Big: ${'a'.repeat(20_000)}\r\n`;
    for (const packets of [[streamHead(reader.token!, big)], [upgradeHead(reader.token!).replace('\r\n\r\n', `\r\n${big}\r\n`)], [streamHead(reader.token!, big).slice(0, 10_000), streamHead(reader.token!, big).slice(10_000)]]) {
      const c = await connect();
      for (const packet of packets) c.socket.write(packet);
      await c.closed;
      expect(c.text()).toMatch(/^HTTP\/1\.1 431 /);
    }

    const withBody = await connect();
    withBody.socket.write(streamHead(reader.token!, 'Content-Length: 2\r\n') + 'hi');
    await waitFor('the answer', async () => withBody.text().includes('}'), 10_000, 20);
    expect(withBody.text()).toMatch(/^HTTP\/1\.1 400 /);
    expect(withBody.text()).toContain('a stream request is a GET with no body');
    withBody.socket.destroy();
  });

  it('answers one request per connection it takes on, and says so', async () => {
    const c = await connect();
    c.socket.write('GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await waitFor('the answer', async () => c.text().endsWith('}'), 10_000, 20);
    const [head, body] = c.text().split('\r\n\r\n', 2) as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    c.socket.destroy();
    // A client that keeps connections alive (fetch) closes its side and opens another.
    for (let i = 0; i < 3; i++) expect((await fetch(`${gw.httpUrl}/health`)).status).toBe(200);
  });

  it('cuts a head that never completes with 408', { timeout: 30_000 }, async () => {
    const c = await connect();
    c.socket.write('GET /post/feed/posted HTTP/1.1\r\nHost: gat');
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });
});
