// The ceiling for bench/gateway.ts: a plain `ws` server that does nothing but push the same
// text frame to every connected client, round after round, for as long as it is told to. It
// accepts the feed.v1 subprotocol, so the benchmark's clients (the client SDK) connect to it as
// to a gateway; it checks no token and reads nothing. It waits (yields to the event loop)
// whenever a client has more than 64 KiB queued, so it never buffers without bound. Prints its
// port; driven over IPC:
//   { cmd: 'run', frame, seconds } → { rounds }   (the same string to every client: a gateway's
//                                                   frame, with one id for all)
import { WebSocketServer, type WebSocket } from 'ws';
import { FEED_V1 } from '@feed/contracts/stream';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, clientTracking: false, handleProtocols: (offered) => (offered.has(FEED_V1) ? FEED_V1 : false) });
const clients = new Set<WebSocket>();
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => {});
});
wss.on('listening', () => process.send!({ port: (wss.address() as { port: number }).port }));

const tick = () => new Promise<void>((r) => setImmediate(r));

async function run(frame: string, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let rounds = 0;
  while (performance.now() < until) {
    let backlog = false;
    for (const ws of clients) {
      if (ws.bufferedAmount > 65_536) backlog = true;
      else ws.send(frame);
    }
    rounds++;
    await tick();
    while (backlog && [...clients].some((ws) => ws.bufferedAmount > 65_536) && performance.now() < until) await tick();
  }
  return rounds;
}

process.on('message', (m: { cmd: 'run'; frame: string; seconds: number }) => {
  if (m.cmd === 'run') void run(m.frame, m.seconds).then((rounds) => process.send!({ rounds }));
});
process.on('disconnect', () => process.exit(0));
