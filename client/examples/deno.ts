// Follow a user's live feed from Deno:
// `FEED_URL=http://127.0.0.1:8080 FEED_TOKEN=... deno run --allow-net --allow-env --allow-read client/examples/deno.ts`
import { FeedClient, standardWebSocket } from '@feed/client';

const client = new FeedClient({
  url: Deno.env.get('FEED_URL') ?? 'http://127.0.0.1:8080',
  token: Deno.env.get('FEED_TOKEN') ?? '',
  // Deno's own WebSocket takes handshake headers, so the token goes as a Bearer header.
  webSocket: standardWebSocket(WebSocket, { withHeaders: true }),
  onStatus: (status) => console.error(`stream ${status.state} ${status.transport ?? ''}`),
  onEvent: (event) => console.log(JSON.stringify(event)),
  onError: (error) => {
    console.error(`refused: ${error.message}`);
    Deno.exitCode = 1;
  },
});
client.start();
Deno.addSignalListener('SIGTERM', () => {
  client.stop();
  Deno.exit();
});
