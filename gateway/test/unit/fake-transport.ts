// A transport for in-process tests of sessions: it keeps the frames a session writes, reports
// whatever send-buffer fill the test sets, and records how it was closed. No sockets.
import type { LiveEvent } from '@feed/contracts';
import type { CloseReason, Transport } from '../../src/session.ts';

export class FakeTransport implements Transport {
  readonly frames: string[] = [];
  /** What buffered() answers: the bytes the test pretends the client has not read yet. */
  fill = 0;
  closedWith: CloseReason | undefined;

  constructor(readonly kind: 'websocket' | 'sse' = 'websocket') {}

  write(frame: string | Uint8Array): void {
    this.frames.push(typeof frame === 'string' ? frame : new TextDecoder().decode(frame));
  }

  buffered(): number {
    return this.fill;
  }

  close(reason: CloseReason): void {
    this.closedWith = reason;
  }

  /** feed.v1 frames, parsed. */
  envelopes(): { id: string; type: string; data: Record<string, unknown> }[] {
    return this.frames.map((f) => JSON.parse(f));
  }

  /** The post ids (or the reset) each feed.v1 frame carried, in order. */
  sent(): string[] {
    return this.envelopes().map((e) => (e.type === 'feed.reset' ? 'reset' : String(e.data.id)));
  }
}

export const post = (postId: string, authorId = '7'): LiveEvent => ({ type: 'post.created', postId, authorId, text: `post ${postId}` });
