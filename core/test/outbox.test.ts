// Every committed write records exactly one outbox event in its transaction; no change, no event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainEvent } from '@feed/contracts';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';

let core: Harness;
let anon: Client;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
});
afterAll(() => core.close());

interface Row {
  id: string;
  event_type: string;
  payload: Record<string, unknown>;
}

/** Outbox rows about these users (as author, follower or followee), oldest first. */
async function eventsAbout(...userIds: string[]): Promise<Row[]> {
  const { rows } = await core.db.query<Row>(
    `SELECT id::text, event_type, payload FROM outbox
      WHERE payload->>'authorId' = ANY($1) OR payload->>'followerId' = ANY($1) OR payload->>'followeeId' = ANY($1)
      ORDER BY outbox.id`,
    [userIds],
  );
  for (const row of rows) {
    // Each payload is a valid domain event of its own type, as consumers will parse it.
    expect(domainEvent.parse(row.payload).type).toBe(row.event_type);
  }
  return rows;
}

describe('outbox events', () => {
  it('post create → one post.created with id, author, text and time', async () => {
    const alice = await anon.signUp();
    const text = 'hello <b>outbox</b> 👋';
    const before = Date.now();
    const id = (await alice.post('/post/create', { text })).body as string;
    const events = await eventsAbout(alice.userId);
    expect(events).toHaveLength(1);
    expect(events[0]!.event_type).toBe('post.created');
    expect(events[0]!.payload).toEqual({ type: 'post.created', postId: id, authorId: alice.userId, text, createdAt: expect.any(String) });
    expect(domainEvent.safeParse(events[0]!.payload).success).toBe(true);
    expect(events[0]!.payload.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/); // ISO 8601, to the microsecond
    const createdAt = Date.parse(events[0]!.payload.createdAt as string);
    expect(createdAt).toBeGreaterThan(before - 60_000);
    expect(createdAt).toBeLessThan(Date.now() + 60_000);
    // The event's time is the stored post's, to the microsecond (the fan-out compares follows with it).
    const { rows } = await core.db.query<{ created_at: string }>(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at FROM posts WHERE id = $1`, [id]);
    expect(rows[0]!.created_at).toBe(events[0]!.payload.createdAt);
  });

  it('post update → one post.updated with the new text', async () => {
    const alice = await anon.signUp();
    const id = (await alice.post('/post/create', { text: 'v1' })).body as string;
    expect((await alice.put('/post/update', { id, text: 'v2' })).status).toBe(200);
    const events = await eventsAbout(alice.userId);
    expect(events.map((e) => e.event_type)).toEqual(['post.created', 'post.updated']);
    expect(events[1]!.payload).toEqual({ type: 'post.updated', postId: id, authorId: alice.userId, text: 'v2' });
  });

  it('post delete → one post.deleted', async () => {
    const alice = await anon.signUp();
    const id = (await alice.post('/post/create', { text: 'bye' })).body as string;
    expect((await alice.put(`/post/delete/${id}`)).status).toBe(200);
    const events = await eventsAbout(alice.userId);
    expect(events.map((e) => e.event_type)).toEqual(['post.created', 'post.deleted']);
    expect(events[1]!.payload).toEqual({ type: 'post.deleted', postId: id, authorId: alice.userId });
  });

  it('follow → one friend.followed; a repeat follow adds none', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    expect((await alice.put(`/friend/set/${bob.userId}`)).status).toBe(200);
    expect((await alice.put(`/friend/set/${bob.userId}`)).status).toBe(200);
    const events = await eventsAbout(alice.userId, bob.userId);
    expect(events).toHaveLength(1);
    expect(events[0]!.event_type).toBe('friend.followed');
    expect(events[0]!.payload).toEqual({ type: 'friend.followed', followerId: alice.userId, followeeId: bob.userId });
  });

  it('unfollow → one friend.unfollowed; a repeat unfollow adds none', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await alice.put(`/friend/set/${bob.userId}`);
    expect((await alice.put(`/friend/delete/${bob.userId}`)).status).toBe(200);
    expect((await alice.put(`/friend/delete/${bob.userId}`)).status).toBe(200);
    const events = await eventsAbout(alice.userId, bob.userId);
    expect(events.map((e) => e.event_type)).toEqual(['friend.followed', 'friend.unfollowed']);
    expect(events[1]!.payload).toEqual({ type: 'friend.unfollowed', followerId: alice.userId, followeeId: bob.userId });
  });

  it('unfollowing someone never followed adds none', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    expect((await alice.put(`/friend/delete/${bob.userId}`)).status).toBe(200);
    expect(await eventsAbout(alice.userId, bob.userId)).toEqual([]);
  });

  it('concurrent repeat follows add exactly one event', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await Promise.all(Array.from({ length: 5 }, () => alice.put(`/friend/set/${bob.userId}`)));
    expect((await eventsAbout(alice.userId, bob.userId)).map((e) => e.event_type)).toEqual(['friend.followed']);
  });

  it('failed writes add none: 403 update and delete, 404, 400, 401', async () => {
    const alice = await anon.signUp();
    const mallory = await anon.signUp();
    const id = (await alice.post('/post/create', { text: 'mine' })).body as string;
    const {
      rows: [mark],
    } = await core.db.query<{ max: string }>('SELECT coalesce(max(id), 0)::text AS max FROM outbox');

    expect((await mallory.put('/post/update', { id, text: 'stolen' })).status).toBe(403);
    expect((await mallory.put(`/post/delete/${id}`)).status).toBe(403);
    expect((await alice.put('/post/update', { id: '9223372036854775807', text: 'x' })).status).toBe(404);
    expect((await alice.put('/post/delete/9223372036854775807')).status).toBe(404);
    expect((await alice.post('/post/create', { text: '' })).status).toBe(400);
    expect((await alice.put('/post/update', { id, text: '   ' })).status).toBe(400);
    expect((await mallory.put(`/friend/set/${mallory.userId}`)).status).toBe(400);
    expect((await mallory.put('/friend/set/9223372036854775807')).status).toBe(404);
    expect((await mallory.put('/friend/delete/9223372036854775807')).status).toBe(404);
    expect((await anon.post('/post/create', { text: 'anonymous' })).status).toBe(401);

    expect((await eventsAbout(alice.userId, mallory.userId)).map((e) => e.event_type)).toEqual(['post.created']);
    const { rows } = await core.db.query(`SELECT event_type FROM outbox WHERE id > $1 AND (payload->>'postId' = $2 OR payload->>'followerId' = $3 OR payload->>'authorId' = $3)`, [mark!.max, id, mallory.userId]);
    expect(rows).toEqual([]);
  });

  it('a second delete of the same post adds none', async () => {
    const alice = await anon.signUp();
    const id = (await alice.post('/post/create', { text: 'x' })).body as string;
    await alice.put(`/post/delete/${id}`);
    expect((await alice.put(`/post/delete/${id}`)).status).toBe(404);
    expect((await eventsAbout(alice.userId)).map((e) => e.event_type)).toEqual(['post.created', 'post.deleted']);
  });

  it('keeps events of one author in commit order', async () => {
    const alice = await anon.signUp();
    const a = (await alice.post('/post/create', { text: 'a' })).body as string;
    const b = (await alice.post('/post/create', { text: 'b' })).body as string;
    await alice.put('/post/update', { id: a, text: 'a2' });
    await alice.put(`/post/delete/${b}`);
    const events = await eventsAbout(alice.userId);
    expect(events.map((e) => [e.event_type, e.payload.postId])).toEqual([
      ['post.created', a],
      ['post.created', b],
      ['post.updated', a],
      ['post.deleted', b],
    ]);
  });
});
