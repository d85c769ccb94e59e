// nodeStreamFetch, the SDK's SSE request on Node, against a plain node:http server: a reader
// that does not read pushes back on the server (the response is paused), then gets every chunk
// in order, the end of the stream is told apart from a cut, a response dropped unread is
// aborted quietly, and an error status keeps its body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeStreamFetch } from '../src/node.ts';
import type { StreamReader } from '../src/index.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve).closeAllConnections())));
});

async function serve(handler: http.RequestListener): Promise<URL> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`);
}

const request = () => ({ headers: { accept: 'text/event-stream' }, signal: new AbortController().signal, credentials: 'same-origin' as const, cache: 'no-store' as const });

async function readAll(reader: StreamReader): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

describe('nodeStreamFetch', () => {
  it('pauses the response while its reader is behind, then delivers every chunk in order, and the end', async () => {
    // 20 MB in 1 KB events, more than loopback's socket buffers hold. The server writes on
    // regardless; its own buffer only grows past 1 MB once the kernel's are full, which happens
    // only if the client stopped taking data off its socket while nothing was read.
    const events = Array.from({ length: 20_000 }, (_, i) => `id: ${i}\ndata: ${'x'.repeat(1_000)}\n\n`);
    let pushedBack!: () => void;
    const serverBlocked = new Promise<void>((resolve) => (pushedBack = resolve));
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const next = (i: number): void => {
        if (i === events.length) return void res.end();
        // Each event in a write of its own, as the gateway sends them.
        res.write(events[i]);
        if (res.writableLength > 1 << 20) pushedBack();
        setImmediate(next, i + 1);
      };
      next(0);
    });
    const res = await nodeStreamFetch(url, request());
    expect([res.ok, res.status, res.headers.get('Content-Type')]).toEqual([true, 200, 'text/event-stream']);
    const reader = res.body!.getReader();
    await serverBlocked;
    expect(await readAll(reader)).toBe(events.join(''));
  });

  it('reports a stream cut before its end as an error, after what arrived', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n', () => res.socket?.destroy());
    });
    const res = await nodeStreamFetch(url, request());
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    await expect(reader.read()).rejects.toThrow();
  });

  it('aborts a response dropped unread without an error escaping', async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('not an event stream');
      req.socket.once('close', serverSawClose);
    });
    const abort = new AbortController();
    const res = await nodeStreamFetch(url, { ...request(), signal: abort.signal });
    expect(res.headers.get('content-type')).toBe('text/plain');
    abort.abort();
    await closed;
  });

  it('answers an error status with its JSON body', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'invalid token' }));
    });
    const res = await nodeStreamFetch(url, request());
    expect([res.ok, res.status]).toEqual([false, 401]);
    expect(await res.json()).toEqual({ message: 'invalid token' });
  });
});
