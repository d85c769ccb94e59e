// A client process for bench/gateway.ts: holds a share of the benchmark's connections (one
// process cannot hold 10,000 sockets under `ulimit -n` with room to spare, and several spread
// the clients' CPU) and counts the frames they receive. Driven over the IPC channel:
//
//   { cmd: 'open', id, kind: 'ws' | 'sse', targets: [userId, url][], secret, concurrency }
//       → { id, opened, failed, error? }
//   { cmd: 'count', id } → { id, frames, open }
//   { cmd: 'close', id } → { id }
//
// Exits when the parent goes away.
import http from 'node:http';
import WebSocket from 'ws';
import { signToken, tokenKey } from '@feed/contracts';

interface Open {
  cmd: 'open';
  id: number;
  kind: 'ws' | 'sse';
  targets: [string, string][];
  secret: string;
  concurrency: number;
}
type Command = Open | { cmd: 'count'; id: number } | { cmd: 'close'; id: number };

let frames = 0;
const sockets = new Set<WebSocket>();
const streams = new Set<http.ClientRequest>();

function openWebSocket(url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('open', () => {
      sockets.add(ws);
      resolve();
    });
    ws.on('message', () => frames++);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('close', () => sockets.delete(ws));
  });
}

function openEventStream(url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
      streams.add(req);
      res.setEncoding('utf8');
      // One event per `id:` line; the first chunk (retry, comment) has none.
      res.on('data', (chunk: string) => {
        for (let i = chunk.indexOf('id: '); i !== -1; i = chunk.indexOf('id: ', i + 4)) frames++;
      });
      res.on('close', () => streams.delete(req));
      resolve();
    });
    req.on('error', reject);
  });
}

async function open(command: Open): Promise<{ opened: number; failed: number; error?: string }> {
  const key = tokenKey(command.secret);
  let next = 0;
  let opened = 0;
  let failed = 0;
  let error: string | undefined;
  await Promise.all(
    Array.from({ length: command.concurrency }, async () => {
      while (next < command.targets.length) {
        const [userId, url] = command.targets[next++]!;
        try {
          const token = await signToken(userId, key, 3600);
          await (command.kind === 'ws' ? openWebSocket(url, token) : openEventStream(url, token));
          opened++;
        } catch (err) {
          failed++;
          error ??= (err as Error).message;
        }
      }
    }),
  );
  return { opened, failed, ...(error ? { error } : {}) };
}

process.on('message', (command: Command) => {
  const reply = (body: object) => process.send!({ id: command.id, ...body });
  if (command.cmd === 'open') void open(command).then(reply);
  else if (command.cmd === 'count') reply({ frames, open: sockets.size + streams.size });
  else if (command.cmd === 'close') {
    for (const ws of sockets) ws.terminate();
    for (const req of streams) req.destroy();
    sockets.clear();
    streams.clear();
    reply({});
  }
});
process.on('disconnect', () => process.exit(0));
