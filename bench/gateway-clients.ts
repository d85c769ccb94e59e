// The edge benchmark's client module (bench/gateway.ts runs it in the processes of its
// ClientPool). Streams of ours go through the client SDK: feed.v1 over WebSocket or SSE, to a
// gateway or to the plain `ws` server that speaks feed.v1 too. Nchan's subscribers (nginx's
// pub/sub module: its own protocol, no feed.v1) use a minimal raw client. All they do is count
// the frames they receive: the benchmark measures the server's CPU per frame, so the clients
// must keep up, and the SDK hands its frames over undecoded (`onRawFrame`).
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import { signToken, tokenKey } from '@feed/contracts';
import { serveConnections, type Connection } from './client-pool.ts';
import { openFeedStream, type StreamTransport } from './feed-stream.ts';

export interface EdgeConn {
  /** 'feed': a server of ours (url: its site, http://host:port); 'nchan': a subscriber URL. */
  server: 'feed' | 'nchan';
  transport: StreamTransport;
  userId: string;
  url: string;
}

export interface EdgeSettings {
  /** The gateways' JWT secret: each client signs its own user's token. */
  secret: string;
}

function nchanWebSocket(url: string, frame: () => void, lost: () => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', frame);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.once('open', () => {
      ws.on('close', lost);
      resolve({
        close: () => {
          ws.off('close', lost);
          ws.terminate();
        },
      });
    });
  });
}

function nchanEventSource(url: string, frame: () => void, lost: () => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      // Parsed as the SDK parses ours (eventsource-parser), so a chunk boundary inside an event
      // counts it once and both servers' clients do the same work per frame.
      const parser = createParser({ onEvent: frame });
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('close', lost);
      resolve({
        close: () => {
          res.off('close', lost);
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}

export const edgeClients = serveConnections<EdgeConn, number, EdgeSettings>((settings) => {
  const key = tokenKey(settings.secret);
  let frames = 0;
  const frame = () => void frames++;
  return {
    async open(c, lost) {
      if (c.server === 'nchan') return c.transport === 'ws' ? nchanWebSocket(c.url, frame, lost) : nchanEventSource(c.url, frame, lost);
      const token = await signToken(c.userId, key, 3600);
      return openFeedStream({ site: c.url, token, transport: c.transport, onRawFrame: frame }, lost);
    },
    take() {
      if (frames === 0) return null;
      const batch = frames;
      frames = 0;
      return batch;
    },
  };
});
