// The load tool's client module (run in the processes of its ClientPool): streams of ours
// through the client SDK, Socket.IO through its own client, and every post.created they
// receive, as receipts [postId, userId, receivedAt, 0 (live)] (bench/ledger.ts's format).
import { io } from 'socket.io-client';
import { serveConnections, type Connection } from '../client-pool.ts';
import { now } from '../clock.ts';
import { openFeedStream } from '../feed-stream.ts';

export type ConnKind = 'ws' | 'sse' | 'sio';
export interface ConnSpec {
  userId: number;
  token: string;
  /** The site: an edge node or HAProxy (http://host:port); for Socket.IO its server. */
  url: string;
  kind: ConnKind;
}

function openSio(c: ConnSpec, got: (postId: string) => void, lost: () => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = io(c.url, { transports: ['websocket'], auth: { token: c.token }, reconnection: false, forceNew: true, timeout: 30_000 });
    socket.on('post', (p: { id: string }) => got(p.id));
    socket.once('connect', () => {
      socket.on('disconnect', lost);
      resolve({
        close: () => {
          socket.off('disconnect', lost);
          socket.disconnect();
        },
      });
    });
    socket.once('connect_error', (err) => reject(err));
  });
}

export const loadClients = serveConnections<ConnSpec, number[]>(() => {
  let receipts: number[] = [];
  return {
    open(c, lost) {
      const got = (postId: string) => receipts.push(Number(postId), c.userId, now(), 0);
      if (c.kind === 'sio') return openSio(c, got, lost);
      return openFeedStream(
        {
          site: c.url,
          token: c.token,
          transport: c.kind,
          onEvent: (event) => {
            if (event.type === 'post.created') got(event.data.id);
          },
        },
        lost,
      );
    },
    take() {
      if (receipts.length === 0) return null;
      const batch = receipts;
      receipts = [];
      return batch;
    },
  };
});
