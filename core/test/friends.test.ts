// One-way friendship: PUT /friend/set/{user_id} and PUT /friend/delete/{user_id}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { Codes, expectError } from './helpers.ts';

let core: Harness;
let anon: Client;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
});
afterAll(() => core.close());

async function isFollowing(follower: string, followee: string): Promise<boolean> {
  const { rowCount } = await core.db.query('SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2', [follower, followee]);
  return rowCount === 1;
}

async function followerCount(id: string): Promise<number> {
  const { rows } = await core.db.query<{ n: number }>('SELECT follower_count AS n FROM users WHERE id = $1', [id]);
  return rows[0]!.n;
}

describe('PUT /friend/set/{user_id}', () => {
  it('follows a user one way, with an empty 200', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    const reply = await alice.put(`/friend/set/${bob.userId}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
    expect(await isFollowing(alice.userId, bob.userId)).toBe(true);
    expect(await isFollowing(bob.userId, alice.userId)).toBe(false);
    expect(await followerCount(bob.userId)).toBe(1);
    expect(await followerCount(alice.userId)).toBe(0);
  });

  it('is idempotent: following twice is 200 and counts once', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    expect((await alice.put(`/friend/set/${bob.userId}`)).status).toBe(200);
    expect((await alice.put(`/friend/set/${bob.userId}`)).status).toBe(200);
    expect(await followerCount(bob.userId)).toBe(1);
  });

  it('survives concurrent follows of the same user', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    const replies = await Promise.all(Array.from({ length: 5 }, () => alice.put(`/friend/set/${bob.userId}`)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await followerCount(bob.userId)).toBe(1);
  });

  it('refuses following yourself with 400', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put(`/friend/set/${alice.userId}`), 400, Codes.invalidInput);
    expect(await isFollowing(alice.userId, alice.userId)).toBe(false);
  });

  it('answers 404 for an unknown user', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put('/friend/set/9223372036854775807'), 404, Codes.notFound);
  });

  // The contract types ids as plain strings: one the API never issued names nothing (404).
  it.each(['abc', '1.5', '-1', '0', '007', '9223372036854775808', '1%20', '%20'])('answers 404 for the id %j, never issued', async (id) => {
    const alice = await anon.signUp();
    expectError(await alice.put(`/friend/set/${id}`), 404, Codes.notFound);
  });

  it('answers 404 JSON when the id is missing from the path', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put('/friend/set/'), 404, Codes.notFound);
    expectError(await alice.put('/friend/set'), 404, Codes.notFound);
  });

  it('answers 401 without a token', async () => {
    const bob = await anon.signUp();
    expectError(await anon.put(`/friend/set/${bob.userId}`), 401, Codes.unauthorized);
  });
});

describe('PUT /friend/delete/{user_id}', () => {
  it('unfollows, with an empty 200', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await alice.put(`/friend/set/${bob.userId}`);
    await bob.put(`/friend/set/${alice.userId}`);
    const reply = await alice.put(`/friend/delete/${bob.userId}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
    expect(await isFollowing(alice.userId, bob.userId)).toBe(false);
    // The other direction is untouched.
    expect(await isFollowing(bob.userId, alice.userId)).toBe(true);
    expect(await followerCount(bob.userId)).toBe(0);
    expect(await followerCount(alice.userId)).toBe(1);
  });

  it('is idempotent: unfollowing someone not followed is 200 and changes nothing', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    expect((await alice.put(`/friend/delete/${bob.userId}`)).status).toBe(200);
    await alice.put(`/friend/set/${bob.userId}`);
    expect((await alice.put(`/friend/delete/${bob.userId}`)).status).toBe(200);
    expect((await alice.put(`/friend/delete/${bob.userId}`)).status).toBe(200);
    expect(await followerCount(bob.userId)).toBe(0);
  });

  it('can follow again after unfollowing', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await alice.put(`/friend/set/${bob.userId}`);
    await alice.put(`/friend/delete/${bob.userId}`);
    expect((await alice.put(`/friend/set/${bob.userId}`)).status).toBe(200);
    expect(await isFollowing(alice.userId, bob.userId)).toBe(true);
    expect(await followerCount(bob.userId)).toBe(1);
  });

  it('refuses unfollowing yourself with 400', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put(`/friend/delete/${alice.userId}`), 400, Codes.invalidInput);
  });

  it('answers 404 for an unknown user', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put('/friend/delete/9223372036854775807'), 404, Codes.notFound);
  });

  it.each(['abc', '1.5', '-1', '0', '01', '99999999999999999999'])('answers 404 for the id %j, never issued', async (id) => {
    const alice = await anon.signUp();
    expectError(await alice.put(`/friend/delete/${id}`), 404, Codes.notFound);
  });

  it('answers 401 without a token', async () => {
    const bob = await anon.signUp();
    expectError(await anon.put(`/friend/delete/${bob.userId}`), 401, Codes.unauthorized);
  });
});

describe('friend routes and other methods', () => {
  it('answers 404 JSON for GET or POST on the friend routes', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    expectError(await alice.get(`/friend/set/${bob.userId}`), 404, Codes.notFound);
    expectError(await alice.post(`/friend/set/${bob.userId}`), 404, Codes.notFound);
  });
});
