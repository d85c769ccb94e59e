// The session's own logic, in-process with a fake transport: it buffers live events until its
// replay is done and drops what the replay already sent, pauses on a gap in the log chain and
// asks for a fill, resets the client when the log's epoch changes, sends each celebrity post
// once above its floor, and closes a client that stops reading ('slow') beyond the send-buffer
// limit, not counting the burst of a replay it is still draining.
import { describe, expect, it } from 'vitest';
import { Session, type CloseReason, type Incoming, type SessionHooks } from '../../src/session.ts';
import type { Position, Protocol } from '../../src/frames.ts';
import { FakeTransport, post } from './fake-transport.ts';

interface Recorded extends SessionHooks {
  sent: (number | undefined)[];
  closes: CloseReason[];
  gaps: number;
}

function hooks(sendBufferLimit = 1_000_000): Recorded {
  const h: Recorded = {
    sendBufferLimit,
    sent: [],
    closes: [],
    gaps: 0,
    onSent: (_s, createdAt) => void h.sent.push(createdAt),
    onClose: (_s, reason) => void h.closes.push(reason),
    onGap: () => void h.gaps++,
  };
  return h;
}

const at = (logId: string, celebrityPostId = '0', epoch = 'e1'): Position => ({ epoch, logId, celebrityPostId });

function session(opts: { protocol?: Protocol; position?: Position; hooks?: Recorded } = {}) {
  const transport = new FakeTransport();
  const h = opts.hooks ?? hooks();
  const s = new Session('42', opts.protocol ?? 'feed.v1', transport, opts.position ?? at('1-0'), h);
  return { s, transport, hooks: h };
}

/** A direct event as the hub hands it over: its log entry `logId`, which follows `prev`. */
const direct = (postId: string, logId: string, prev: string | undefined, epoch = 'e1'): Incoming => ({
  kind: 'direct',
  event: post(postId),
  epoch,
  logId,
  ...(prev === undefined ? {} : { prev }),
  createdAt: Number(postId),
});
const celebrity = (postId: string): Incoming => ({ kind: 'celebrity', event: post(postId, '9'), createdAt: 1 });

describe('Session: replay, then live', () => {
  it('buffers live events until it goes live, then sends them in order', () => {
    const { s, transport } = session();
    s.receive(direct('20', '2-0', '1-0'));
    s.receive(direct('30', '3-0', '2-0'));
    expect(transport.frames).toEqual([]);
    expect(s.isLive).toBe(false);
    s.goLive();
    expect(s.isLive).toBe(true);
    expect(transport.sent()).toEqual(['20', '30']);
    // Each frame's id is the session's position after it.
    expect(transport.envelopes().map((e) => e.id)).toEqual(['e1.2-0.0', 'e1.3-0.0']);
    expect(s.position).toEqual(at('3-0'));
  });

  it('drops the buffered live events that the replay already sent', () => {
    const { s, transport, hooks: h } = session();
    s.receive(direct('20', '2-0', '1-0')); // arrived during the replay, and is in it
    s.receive(direct('30', '3-0', '2-0')); // arrived during the replay, and is not
    s.replay([{ event: post('20'), logId: '2-0' }]);
    s.goLive();
    expect(transport.sent()).toEqual(['20', '30']);
    expect(h.gaps).toBe(0);
    // A replayed frame has no creation time to measure lag by.
    expect(h.sent).toEqual([undefined, 30]);
  });

  it('sends nothing to, and closes nothing of, a session that ended', () => {
    const { s, transport, hooks: h } = session();
    s.goLive();
    s.ended();
    s.receive(direct('20', '2-0', '1-0'));
    expect(transport.frames).toEqual([]);
    expect(transport.closedWith).toBeUndefined();
    expect(h.closes).toEqual(['shutdown']);
    s.close('slow');
    expect(h.closes).toEqual(['shutdown']);
  });
});

describe('Session: gaps in the log chain', () => {
  it('pauses on an event that follows an entry it never sent, asks for a fill, and resumes in log order', () => {
    const { s, transport, hooks: h } = session();
    s.goLive();
    s.receive(direct('30', '3-0', '2-0')); // overtook 2-0
    expect(transport.frames).toEqual([]);
    expect(h.gaps).toBe(1);
    expect(s.isLive).toBe(false);
    s.receive(direct('40', '4-0', '3-0')); // waits behind it
    s.receive(direct('20', '2-0', '1-0')); // the slow one arrives meanwhile
    // The fill: the log after the session's position.
    s.replay([
      { event: post('20'), logId: '2-0' },
      { event: post('30'), logId: '3-0' },
    ]);
    s.goLive();
    expect(transport.sent()).toEqual(['20', '30', '40']);
    expect(s.position.logId).toBe('4-0');
    expect(h.gaps).toBe(1);
  });

  it('treats an unknown predecessor (a redelivered entry) as a gap too', () => {
    const { s, transport, hooks: h } = session();
    s.goLive();
    s.receive(direct('30', '3-0', ''));
    expect(h.gaps).toBe(1);
    expect(transport.frames).toEqual([]);
  });

  it('does not check an event without prev', () => {
    const { s, transport, hooks: h } = session();
    s.goLive();
    s.receive(direct('30', '3-0', undefined));
    expect(h.gaps).toBe(0);
    expect(transport.sent()).toEqual(['30']);
  });

  it('after a failed fill (goLive(false)) sends the waiting events as they are', () => {
    const { s, transport, hooks: h } = session();
    s.goLive();
    s.receive(direct('30', '3-0', '2-0'));
    expect(h.gaps).toBe(1);
    s.goLive(false);
    expect(transport.sent()).toEqual(['30']);
    // Only for that flush: the next gap is checked again.
    s.receive(direct('50', '5-0', '4-0'));
    expect(h.gaps).toBe(2);
    expect(transport.sent()).toEqual(['30']);
  });

  it('catches up once when an event comes with no log entry (the log was lost), then sends it', () => {
    const { s, transport, hooks: h } = session();
    s.goLive();
    s.receive(direct('30', '', ''));
    expect(h.gaps).toBe(1);
    expect(s.isLive).toBe(false);
    s.replay([]); // the fill found nothing to replay (a real one would have reset)
    s.goLive();
    expect(h.gaps).toBe(1);
    expect(transport.sent()).toEqual(['30']);
    expect(s.position.logId).toBe('1-0');
  });
});

describe('Session: a new log epoch', () => {
  it('resets a feed.v1 client and continues from the new log', () => {
    const { s, transport } = session();
    s.goLive();
    s.receive(direct('30', '1-0', '0-0', 'e2'));
    expect(transport.envelopes()).toEqual([{ id: 'e2.1-0.0', type: 'feed.reset', data: { reason: 'event log lost' } }]);
    expect(s.position).toEqual(at('1-0', '0', 'e2'));
    s.receive(direct('40', '2-0', '1-0', 'e2'));
    expect(transport.sent()).toEqual(['reset', '40']);
  });

  // Epochs are random names with no order: a gateway behind on its queue across a Redis loss
  // delivers events of the lost log after the session moved to the new one. Resetting back to
  // the dead epoch would reset the client twice more.
  it('drops a late event of the epoch it has left, rather than resetting back to it', () => {
    const { s, transport } = session();
    s.goLive();
    s.receive(direct('30', '1-0', '0-0', 'e2')); // the log was recreated: reset to e2
    s.receive(direct('20', '5-0', '4-0', 'e1')); // late, from the lost log
    s.receive(direct('40', '2-0', '1-0', 'e2'));
    expect(transport.sent()).toEqual(['reset', '40']);
    expect(s.position).toEqual(at('2-0', '0', 'e2'));
  });

  it('sends the post itself to an AsyncAPI client, which has no reset frame', () => {
    const { s, transport } = session({ protocol: 'asyncapi' });
    s.goLive();
    s.receive(direct('30', '1-0', '0-0', 'e2'));
    expect(transport.frames.map((f) => JSON.parse(f))).toEqual([{ postId: '30', postText: 'post 30', author_user_id: '7' }]);
  });
});

describe('Session: celebrity posts', () => {
  it('drops what its starting position covered and what it already sent, and sends late ones above the floor', () => {
    const { s, transport } = session({ position: at('1-0', '100') });
    s.goLive();
    for (const id of ['90', '100', '120', '110', '120', '110']) s.receive(celebrity(id));
    expect(transport.sent()).toEqual(['120', '110']);
    // The position holds the newest celebrity post sent.
    expect(s.position.celebrityPostId).toBe('120');
    expect(transport.envelopes().map((e) => e.id)).toEqual(['e1.1-0.120', 'e1.1-0.120']);
  });

  it('remembers a bounded number of sent posts: the oldest forgotten becomes the floor', () => {
    const { s, transport } = session({ position: at('1-0', '100') });
    s.goLive();
    const ids = Array.from({ length: 257 }, (_, i) => String(1001 + i));
    for (const id of ids) s.receive(celebrity(id));
    expect(transport.frames).toHaveLength(257);
    s.receive(celebrity('1001')); // forgotten, but at the floor now
    s.receive(celebrity('500')); // below the new floor
    s.receive(celebrity('1002')); // still remembered
    expect(transport.frames).toHaveLength(257);
  });

  it('counts replayed celebrity posts as sent, and a reset forgets them', () => {
    const { s, transport } = session({ position: at('1-0', '100') });
    s.receive(celebrity('150'));
    s.replay([{ event: post('150', '9'), celebrityPostId: '150' }]);
    s.goLive();
    expect(transport.sent()).toEqual(['150']);
    s.reset('resume point out of window', at('5-0', '200'));
    s.receive(celebrity('150'));
    s.receive(celebrity('250'));
    expect(transport.sent()).toEqual(['150', 'reset', '250']);
  });
});

describe('Session: the send-buffer limit', () => {
  it("closes a client whose unread bytes pass the limit as 'slow'", () => {
    const { s, transport, hooks: h } = session({ hooks: hooks(1_000) });
    s.goLive();
    transport.fill = 1_000;
    s.receive(direct('20', '2-0', '1-0'));
    expect(transport.closedWith).toBeUndefined();
    transport.fill = 1_001;
    s.receive(direct('30', '3-0', '2-0'));
    expect(transport.closedWith).toBe('slow');
    expect(h.closes).toEqual(['slow']);
    expect(s.isClosed).toBe(true);
    s.receive(direct('40', '4-0', '3-0'));
    expect(transport.sent()).toEqual(['20', '30']);
  });

  it('does not hold a replay burst against the client, only what it has not drained of it', () => {
    const { s, transport } = session({ hooks: hooks(1_000) });
    transport.fill = 50_000;
    s.replay([
      { event: post('20'), logId: '2-0' },
      { event: post('30'), logId: '3-0' },
    ]);
    s.goLive();
    expect(transport.closedWith).toBeUndefined();
    // Live events on top of the undrained replay, within the limit: kept.
    transport.fill = 50_900;
    s.receive(direct('40', '4-0', '3-0'));
    expect(transport.closedWith).toBeUndefined();
    // The replay drained to 2,000 bytes: the allowance shrinks with it and does not grow back.
    transport.fill = 2_000;
    s.receive(direct('50', '5-0', '4-0'));
    expect(transport.closedWith).toBeUndefined();
    transport.fill = 3_001;
    s.receive(direct('60', '6-0', '5-0'));
    expect(transport.closedWith).toBe('slow');
  });
});
