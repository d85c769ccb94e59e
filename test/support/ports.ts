import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The kernel's range for the local ports of outgoing connections. A port picked inside it can be
 * taken, between the pick and the listen, by any process's outgoing connection (a test's
 * gateway then fails with EADDRINUSE), so ports are picked below it.
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    /* not Linux: the IANA range */
  }
  return [49152, 65535];
}

const [EPHEMERAL_LOW] = ephemeralRange();
const PICK_LOW = Math.min(10_000, EPHEMERAL_LOW - 1_000);

function listensOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago, outside the range outgoing connections draw from. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PICK_LOW + Math.floor(Math.random() * (EPHEMERAL_LOW - PICK_LOW));
    if (await listensOn(port)) return port;
  }
  throw new Error(`no free port between ${PICK_LOW} and ${EPHEMERAL_LOW}`);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
