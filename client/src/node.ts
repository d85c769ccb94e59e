// The WebSocket adapter for Node (20 has no built-in WebSocket): the `ws` package, which can
// send the Authorization header, shows the HTTP status of a refused handshake, and lets the
// client see the gateway's pings (so a silent, half-open connection is noticed).
import WebSocket from 'ws';
import type { WebSocketAdapter } from './websocket.ts';

export const nodeWebSocket: WebSocketAdapter = {
  headers: true,
  seesPings: true,
  connect(url, protocol, headers, on) {
    const ws = new WebSocket(url, [protocol], { headers, perMessageDeflate: false });
    let refused: number | undefined;
    ws.on('open', () => on.open(ws.protocol));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) on.message(data.toString());
    });
    ws.on('ping', () => on.ping());
    ws.on('unexpected-response', (_req, res) => {
      refused = res.statusCode;
      res.resume();
      ws.terminate(); // ends the handshake; `close` follows
    });
    ws.on('error', () => {}); // always followed by `close`
    ws.on('close', (code, reason) => on.close(code, reason.toString(), refused));
    return {
      close(code) {
        ws.removeAllListeners('close');
        ws.on('error', () => {});
        if (ws.readyState === WebSocket.OPEN) ws.close(code ?? 1000);
        else ws.terminate();
      },
    };
  },
};
