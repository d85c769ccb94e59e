import type { Duplex } from 'node:stream';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * Answers a request read off the bare socket (a WebSocket handshake, a stream request) with an
 * HTTP status and a JSON message, then closes: a handshake is refused with a real status, not an
 * upgrade followed by a close.
 */
export function rejectOnSocket(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  // Read (and drop) whatever the client still sends: a paused socket with unread bytes would
  // never see the client's end, and so would never close.
  socket.resume();
  socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` + 'Content-Type: application/json\r\n' + `Content-Length: ${Buffer.byteLength(body)}\r\n` + 'Connection: close\r\n\r\n' + body);
}
