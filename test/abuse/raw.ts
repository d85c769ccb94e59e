// Raw TCP clients for abuse tests: a WebSocket handshake done by hand (so the client can then
// misbehave at the frame level: never answer pings, send broken frames), and a frame codec.
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawSocket {
  socket: net.Socket;
  /** Bytes received after the handshake. */
  received(): Buffer;
  /** Close frames the server sent: their codes. */
  closeCodes(): number[];
  /** Resolves when the TCP connection is gone, with the ms since `openedAt`. */
  closed: Promise<number>;
  openedAt: number;
}

/** A WebSocket frame as a client writes it (masked unless told otherwise). */
export function frame(opcode: number, payload: Buffer | string, opts: { fin?: boolean; mask?: boolean; rsv?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { fin = true, mask = true, rsv = 0 } = opts;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const len = data.length;
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) head.push((mask ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  else {
    head.push((mask ? 0x80 : 0) | 127);
    const ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
    head.push(...ext);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i]! ^ key[i % 4]!;
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** Server frames (unmasked) in `buf`: opcode and payload of each complete one. */
export function parseFrames(buf: Buffer): { opcode: number; payload: Buffer }[] {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (at + 2 <= buf.length) {
    const opcode = buf[at]! & 0x0f;
    let len = buf[at + 1]! & 0x7f;
    let start = at + 2;
    if (len === 126) {
      if (start + 2 > buf.length) break;
      len = buf.readUInt16BE(start);
      start += 2;
    } else if (len === 127) {
      if (start + 8 > buf.length) break;
      len = Number(buf.readBigUInt64BE(start));
      start += 8;
    }
    if (start + len > buf.length) break;
    frames.push({ opcode, payload: buf.subarray(start, start + len) });
    at = start + len;
  }
  return frames;
}

/** Sends raw bytes and collects the answer: until the peer closes, an answer head arrives, or `timeoutMs`. */
export function exchange(port: number, bytes: Buffer | string, timeoutMs = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, timeoutMs);
    let answered = false;
    socket.on('data', (d) => {
      chunks.push(d);
      // A complete answer head: give its body a moment, then stop waiting for a close.
      if (!answered && Buffer.concat(chunks).includes('\r\n\r\n')) {
        answered = true;
        setTimeout(() => socket.destroy(), 200);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: !answered });
    });
    socket.write(bytes);
  });
}

/** Completes a WebSocket handshake by hand; rejects unless the answer is 101. */
export function rawUpgrade(port: number, opts: { token: string; protocol?: string; path?: string }): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    let body = Buffer.alloc(0);
    let upgraded = false;
    const openedAt = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - openedAt)));
    socket.on('data', (d: Buffer) => {
      if (upgraded) {
        body = Buffer.concat([body, d]);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.subarray(0, end).toString('latin1').split('\r\n')[0]!;
      if (!/^HTTP\/1\.1 101/.test(status)) {
        socket.destroy();
        return reject(Object.assign(new Error(`handshake answered ${status}`), { status: Number(status.split(' ')[1]) }));
      }
      upgraded = true;
      body = head.subarray(end + 4);
      resolve({
        socket,
        openedAt,
        closed,
        received: () => body,
        closeCodes: () =>
          parseFrames(body)
            .filter((f) => f.opcode === 8)
            .map((f) => (f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005)),
      });
    });
    socket.once('close', () => {
      if (!upgraded) reject(new Error('closed before the handshake completed'));
    });
    socket.write(
      `GET ${opts.path ?? '/post/feed/posted'} HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        `Authorization: Bearer ${opts.token}\r\n` +
        (opts.protocol ? `Sec-WebSocket-Protocol: ${opts.protocol}\r\n` : '') +
        '\r\n',
    );
  });
}
