// Follow a user's live feed from Node: `FEED_URL=http://127.0.0.1:8080 FEED_TOKEN=... npx tsx client/examples/node.ts`
import { FeedClient } from '@feed/client';
import { nodeStreamFetch, nodeWebSocket } from '@feed/client/node';

const client = new FeedClient({
  url: process.env.FEED_URL ?? 'http://127.0.0.1:8080',
  token: process.env.FEED_TOKEN ?? '',
  webSocket: nodeWebSocket, // sends the token as a Bearer header, and notices missed pings
  fetch: nodeStreamFetch, // SSE, where WebSocket is blocked: read off node:http, at half the CPU of Node's fetch
  onStatus: (status) => console.error(`stream ${status.state} ${status.transport ?? ''}`),
  onEvent: (event) => {
    // feed.reset: the position could not be resumed; a real client refetches GET /post/feed here.
    console.log(JSON.stringify(event));
  },
  onError: (error) => {
    console.error(`refused: ${error.message}`); // log in again for a new token
    process.exitCode = 1;
  },
});
client.start();
process.once('SIGTERM', () => client.stop());
