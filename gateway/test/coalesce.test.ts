// The write coalescer on real sockets: frames written to one socket in one turn leave together
// once the turn's I/O is handled, in order, and a socket held in one turn is free in the next.
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteCoalescer } from '../src/coalesce.ts';

let server: net.Server;
let client: net.Socket;
let peer: net.Socket;
const received: string[] = [];

beforeAll(async () => {
  server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  [peer] = (await accepted) as [net.Socket];
  client.setEncoding('utf8').on('data', (chunk: string) => received.push(chunk));
});

afterAll(() => {
  client.destroy();
  peer.destroy();
  server.close();
});

const nextTurn = () => new Promise((r) => setImmediate(r));
const until = async (text: string) => {
  while (received.join('') !== text) await new Promise((r) => setTimeout(r, 5));
};

describe('WriteCoalescer', () => {
  it('holds a turn’s writes to one socket and sends them in one chunk, in order', async () => {
    const coalescer = new WriteCoalescer();
    for (const frame of ['a', 'b', 'c']) {
      coalescer.hold(peer);
      peer.write(frame);
    }
    expect(peer.writableCorked).toBe(1);
    expect(peer.writableLength).toBe(3); // still here: nothing left before the turn ended
    await nextTurn();
    expect(peer.writableCorked).toBe(0);
    await until('abc');
    expect(received).toEqual(['abc']);
  });

  it('lets a lone write of the next turn go out on its own', async () => {
    const coalescer = new WriteCoalescer();
    received.length = 0;
    coalescer.hold(peer);
    peer.write('d');
    await nextTurn();
    await until('d');
    coalescer.hold(peer);
    peer.write('e');
    await nextTurn();
    await until('de');
    expect(peer.writableCorked).toBe(0);
  });

  it('releases many held streams a slice per turn, oldest first, each once', async () => {
    const coalescer = new WriteCoalescer();
    const streams = Array.from({ length: 600 }, () => ({
      corked: 0,
      cork() {
        this.corked++;
      },
      uncork() {
        this.corked--;
      },
    }));
    for (const stream of streams) coalescer.hold(stream);
    coalescer.hold(streams[0]!); // held already: not corked twice
    const stillCorked = () => streams.filter((s) => s.corked > 0).length;
    expect(stillCorked()).toBe(600);
    await nextTurn();
    expect(stillCorked()).toBe(600 - 256);
    expect(streams[0]!.corked).toBe(0);
    expect(streams[599]!.corked).toBe(1);
    await nextTurn();
    await nextTurn();
    expect(stillCorked()).toBe(0);
    expect(streams.every((s) => s.corked === 0)).toBe(true);
  });
});
