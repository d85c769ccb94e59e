// A Socket.IO 4 node with the Redis adapter: one room per user (u:<id>), the same access token
// (verified locally), and the fan-out worker emitting through @socket.io/redis-emitter. Every
// node receives every emit over Redis pub/sub and writes to the sockets of the rooms it holds.
// /health for readiness; /metrics counts the pub/sub messages received (as gateway_messages_in_total).
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { tokenKey, verifyToken } from '@feed/contracts';

const env = process.env;
const port = Number(env.PORT ?? 4100);
const id = env.GATEWAY_ID ?? 'sio';
const key = tokenKey(env.JWT_SECRET ?? '');
const pub = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
const sub = pub.duplicate();
let messagesIn = 0;
sub.on('pmessageBuffer', () => messagesIn++);

const http = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200).end('ok');
  } else if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`gateway_messages_in_total{gateway="${id}"} ${messagesIn}\nsocketio_sockets ${io.engine.clientsCount}\n`);
  } else if (!req.url?.startsWith('/socket.io')) {
    res.writeHead(404).end();
  }
});
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  adapter: createAdapter(pub, sub, { key: `${env.REDIS_PREFIX ?? ''}sio` }),
});
io.use(async (socket, next) => {
  try {
    const claims = await verifyToken(String(socket.handshake.auth.token ?? ''), key);
    socket.data.userId = claims.userId;
    next();
  } catch {
    next(new Error('unauthorized'));
  }
});
io.on('connection', (socket) => void socket.join(`u:${socket.data.userId}`));

http.listen(port, '127.0.0.1');
await once(http, 'listening');

const stop = () => {
  setTimeout(() => process.exit(0), 3000).unref();
  io.close(() => {
    void Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
