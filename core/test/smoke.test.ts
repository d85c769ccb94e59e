import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';

let core: Harness;
beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());

describe('a person using the API', () => {
  it("signs up, follows a friend, and reads the friend's post in the feed", async () => {
    const anon = new Client(core.url);
    const alice = await anon.signUp({ first_name: 'Alice', second_name: 'Smith' });
    const bob = await anon.signUp({ first_name: 'Bob', second_name: 'Jones' });
    expect((await alice.put(`/friend/set/${bob.userId}`)).status).toBe(200);
    const created = await bob.post('/post/create', { text: 'hello <b>world</b>' });
    expect(created.status).toBe(200);
    expect(typeof created.body).toBe('string');
    const feed = await alice.get('/post/feed');
    expect(feed.status).toBe(200);
    expect(feed.body).toEqual([{ id: created.body, text: 'hello <b>world</b>', author_user_id: bob.userId }]);
  });
});
