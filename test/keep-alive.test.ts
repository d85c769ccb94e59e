// Core's idle connections behind HAProxy are always ended by HAProxy. Were core to end one just as
// HAProxy sent a client's next request on it, HAProxy would drop that client's connection with no
// answer, and a POST from fetch would fail with "other side closed". This runs core's listener
// behind the real HAProxy config and waits for the connections to end.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_CONNECTION_MS, listen } from '../core/src/http/listen.ts';
import { Launcher, type Haproxy } from './support/launcher.ts';
import { waitFor } from './support/ports.ts';

const launcher = new Launcher();
let haproxy: Haproxy;
let server: Awaited<ReturnType<typeof listen>>;
/** Who ended each connection that carried a proxied request: core's idle timer fired first, or not. */
const endings = new Map<Socket, 'open' | 'haproxy' | 'core'>();

beforeAll(async () => {
  const app = express();
  app.get('/health', (_req, res) => res.json({ status: 'ok' }));
  app.post('/probe', (req, res) => {
    const socket = req.socket;
    if (!endings.has(socket)) {
      endings.set(socket, 'open');
      // Node's server ends an idle kept-alive connection from its socket's 'timeout' event.
      socket.once('timeout', () => endings.get(socket) === 'open' && endings.set(socket, 'core'));
      socket.once('close', () => endings.get(socket) === 'open' && endings.set(socket, 'haproxy'));
    }
    res.json({ ok: true });
  });
  server = await listen(app, 0, '127.0.0.1');
  const port = (server.address() as { port: number }).port;
  haproxy = await launcher.startHaproxy({ core: [{ name: 'core1', address: `127.0.0.1:${port}` }], gateways: [{ name: 'gw1', address: '127.0.0.1:1', disabled: true }] });
}, 60_000);

afterAll(async () => {
  await launcher.close();
  server?.closeAllConnections();
  server?.close();
});

describe("core's idle connections behind HAProxy", () => {
  it(
    'are ended by HAProxy, never by core',
    async () => {
      for (const r of await Promise.all(Array.from({ length: 3 }, () => fetch(`${haproxy.url}/probe`, { method: 'POST', body: '{}' })))) {
        expect(r.status).toBe(200);
        // No hint from core reaches the client: it keeps the connection no longer than its default.
        expect(r.headers.get('keep-alive')).toBeNull();
        await r.text();
      }
      expect(endings.size).toBeGreaterThan(0);
      await waitFor('the idle connections to end', async () => [...endings.values()].every((e) => e !== 'open'), IDLE_CONNECTION_MS + 30_000, 250);
      expect([...endings.values()]).toEqual([...endings.values()].map(() => 'haproxy'));
    },
    IDLE_CONNECTION_MS + 60_000,
  );

  it("outlast HAProxy's keep-alive, with no connection to core shared between clients", () => {
    for (const cfg of ['haproxy/haproxy.cfg', 'haproxy/haproxy.docker.cfg']) {
      const text = readFileSync(new URL(`../${cfg}`, import.meta.url), 'utf8');
      const keepAlive = Number(/^\s*timeout http-keep-alive (\d+)s$/m.exec(text)?.[1]);
      expect(IDLE_CONNECTION_MS, cfg).toBeGreaterThan(keepAlive * 1000);
      expect(/^backend core\n(?:\s+.*\n)*?\s+http-reuse never$/m.test(text), cfg).toBe(true);
    }
    expect(server.keepAliveTimeout).toBe(IDLE_CONNECTION_MS);
    expect(server.headersTimeout).toBeGreaterThan(IDLE_CONNECTION_MS);
  });
});
