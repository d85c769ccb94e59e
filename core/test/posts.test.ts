// Posts: create, update, delete, get.
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

async function create(author: Client, text: string): Promise<string> {
  const reply = await author.post('/post/create', { text });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as string;
}

describe('POST /post/create', () => {
  it('answers the new id as a bare JSON string', async () => {
    const alice = await anon.signUp();
    const res = await fetch(`${core.url}/post/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'first!' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text).toMatch(/^"[1-9][0-9]*"$/);
    const id = JSON.parse(text) as string;
    const got = await anon.get(`/post/get/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ id, text: 'first!', author_user_id: alice.userId });
  });

  it('gives strictly increasing ids, across authors too', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    const ids: bigint[] = [];
    for (let i = 0; i < 4; i++) ids.push(BigInt(await create(i % 2 ? bob : alice, `post ${i}`)));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('gives distinct ids to concurrent posts', async () => {
    const alice = await anon.signUp();
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => create(alice, `burst ${i}`)));
    expect(new Set(ids).size).toBe(8);
  });

  it('keeps the text exactly as sent: HTML, quotes, Unicode, whitespace', async () => {
    const alice = await anon.signUp();
    const texts = [
      '<img src=x onerror=alert(1)>',
      '<script>alert("x")</script> & &amp; "quoted" \'single\'',
      '  leading and trailing spaces  ',
      'line one\nline two\r\n\ttabbed',
      'Привет, мир! 🎉 東京 عربى',
      "Robert'); DROP TABLE posts;--",
      '\\ backslash \\n not a newline',
      '{"json": "inside"}',
      '%s %d ${x} {{x}}',
    ];
    for (const text of texts) {
      const id = await create(alice, text);
      const got = await anon.get(`/post/get/${id}`);
      expect(got.headers.get('content-type')).toMatch(/^application\/json/);
      expect(got.body.text).toBe(text);
    }
  });

  it('serves an HTML payload as JSON, never as HTML', async () => {
    const alice = await anon.signUp();
    const payload = '<img src=x onerror=alert(1)>';
    const id = await create(alice, payload);
    const res = await fetch(`${core.url}/post/get/${id}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const raw = await res.text();
    expect(JSON.parse(raw)).toEqual({ id, text: payload, author_user_id: alice.userId });
  });

  it('accepts exactly POST_MAX_CHARS characters and refuses one more', async () => {
    const alice = await anon.signUp();
    const max = core.config.POST_MAX_CHARS;
    const id = await create(alice, 'x'.repeat(max));
    expect((await anon.get(`/post/get/${id}`)).body.text).toHaveLength(max);
    expectError(await alice.post('/post/create', { text: 'x'.repeat(max + 1) }), 400, Codes.invalidInput);
  });

  it.each([
    ['an empty text', { text: '' }],
    ['a whitespace-only text', { text: ' \n\t  ' }],
    ['no text', {}],
    ['a null text', { text: null }],
    ['a numeric text', { text: 42 }],
    ['an array text', { text: ['a'] }],
    ['an object text', { text: { a: 1 } }],
    ['a boolean text', { text: true }],
    ['a text with NUL', { text: 'before\u0000after' }],
  ])('refuses %s with 400', async (_what, body) => {
    const alice = await anon.signUp();
    expectError(await alice.post('/post/create', body), 400, Codes.invalidInput);
  });

  it('ignores unknown fields such as a forged author', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    const reply = await alice.post('/post/create', { text: 'mine', author_user_id: bob.userId, id: '1' });
    expect(reply.status).toBe(200);
    expect((await anon.get(`/post/get/${reply.body}`)).body.author_user_id).toBe(alice.userId);
  });

  it('answers 401 without a token', async () => {
    expectError(await anon.post('/post/create', { text: 'anonymous' }), 401, Codes.unauthorized);
  });
});

describe('PUT /post/update', () => {
  it('changes the text, with an empty 200', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'draft');
    const reply = await alice.put('/post/update', { id, text: 'final <b>text</b>' });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
    expect((await anon.get(`/post/get/${id}`)).body).toEqual({ id, text: 'final <b>text</b>', author_user_id: alice.userId });
  });

  it('accepts the id as a JSON number', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'draft');
    expect((await alice.put('/post/update', { id: Number(id), text: 'numbered' })).status).toBe(200);
    expect((await anon.get(`/post/get/${id}`)).body.text).toBe('numbered');
  });

  it("answers 403 for someone else's post and leaves it unchanged", async () => {
    const alice = await anon.signUp();
    const mallory = await anon.signUp();
    const id = await create(alice, 'original');
    expectError(await mallory.put('/post/update', { id, text: 'hacked' }), 403, Codes.forbidden);
    expect((await anon.get(`/post/get/${id}`)).body.text).toBe('original');
  });

  it('answers 404 for an unknown post', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put('/post/update', { id: '9223372036854775807', text: 'x' }), 404, Codes.notFound);
  });

  it('answers 404 for a deleted post', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'soon gone');
    await alice.put(`/post/delete/${id}`);
    expectError(await alice.put('/post/update', { id, text: 'too late' }), 404, Codes.notFound);
  });

  it.each([
    ['no id', { text: 'x' }],
    ['no text', { id: '1' }],
    ['an empty text', { id: '1', text: '' }],
    ['a whitespace-only text', { id: '1', text: '   ' }],
    ['a negative id', { id: -1, text: 'x' }],
    ['a zero id', { id: 0, text: 'x' }],
    ['a fractional id', { id: 2.5, text: 'x' }],
    ['a null id', { id: null, text: 'x' }],
    ['a numeric text', { id: '1', text: 5 }],
    ['a text with NUL', { id: '1', text: 'a\u0000' }],
  ])('refuses %s with 400', async (_what, body) => {
    const alice = await anon.signUp();
    expectError(await alice.put('/post/update', body), 400, Codes.invalidInput);
  });

  // The contract types ids as plain strings: one the API never issued names nothing (404).
  it.each([
    ['a non-numeric id', { id: 'abc', text: 'x' }],
    ['an id beyond int64', { id: '9223372036854775808', text: 'x' }],
    ['an id with leading zeros', { id: '0012', text: 'x' }],
    ['an id with spaces', { id: ' 12 ', text: 'x' }],
    ['a UUID, as in the contract example', { id: '1d535fd6-7521-4cb1-aa6d-031be7123c4d', text: 'x' }],
  ])('answers 404 for %s', async (_what, body) => {
    const alice = await anon.signUp();
    expectError(await alice.put('/post/update', body), 404, Codes.notFound);
  });

  it('refuses text over POST_MAX_CHARS with 400', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'short');
    expectError(await alice.put('/post/update', { id, text: 'y'.repeat(core.config.POST_MAX_CHARS + 1) }), 400);
    expect((await anon.get(`/post/get/${id}`)).body.text).toBe('short');
  });

  it('answers 401 without a token', async () => {
    expectError(await anon.put('/post/update', { id: '1', text: 'x' }), 401, Codes.unauthorized);
  });
});

describe('PUT /post/delete/{id}', () => {
  it('deletes the post: 200, then 404 on get', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'ephemeral');
    const reply = await alice.put(`/post/delete/${id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
    expectError(await anon.get(`/post/get/${id}`), 404, Codes.notFound);
  });

  it('answers 404 when deleting twice', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'once');
    expect((await alice.put(`/post/delete/${id}`)).status).toBe(200);
    expectError(await alice.put(`/post/delete/${id}`), 404, Codes.notFound);
  });

  it("answers 403 for someone else's post, which stays readable", async () => {
    const alice = await anon.signUp();
    const mallory = await anon.signUp();
    const id = await create(alice, 'keep me');
    expectError(await mallory.put(`/post/delete/${id}`), 403, Codes.forbidden);
    expect((await anon.get(`/post/get/${id}`)).status).toBe(200);
  });

  it('answers 404 for an unknown post', async () => {
    const alice = await anon.signUp();
    expectError(await alice.put('/post/delete/9223372036854775807'), 404, Codes.notFound);
  });

  // The contract types ids as plain strings: one the API never issued names nothing (404).
  it.each(['abc', '1.5', '-3', '0', '01', '9223372036854775808', '1e5', '%2012'])('answers 404 for the id %j, never issued', async (id) => {
    const alice = await anon.signUp();
    expectError(await alice.put(`/post/delete/${id}`), 404, Codes.notFound);
  });

  it('answers 401 without a token', async () => {
    expectError(await anon.put('/post/delete/1'), 401, Codes.unauthorized);
  });
});

describe('GET /post/get/{id}', () => {
  it('is public: no token needed, and a bad token is ignored', async () => {
    const alice = await anon.signUp();
    const id = await create(alice, 'public');
    expect((await anon.get(`/post/get/${id}`)).status).toBe(200);
    expect((await new Client(core.url, 'garbage').get(`/post/get/${id}`)).status).toBe(200);
  });

  it('answers 404 for an unknown post', async () => {
    expectError(await anon.get('/post/get/9223372036854775807'), 404, Codes.notFound);
  });

  // The contract types ids as plain strings: one the API never issued names nothing (404).
  it.each(['abc', '1.5', '-1', '0', '00', '01', '99999999999999999999', '%20', '1%00'])('answers 404 for the id %j, never issued', async (id) => {
    expectError(await anon.get(`/post/get/${id}`), 404, Codes.notFound);
  });
});

// Not in the contract: an author's latest posts, for profile pages.
describe('GET /post/list/{user_id}', () => {
  it('answers the newest first, takes its limit in any whole-number form, and clamps it to 100', async () => {
    const alice = await anon.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await create(alice, `mine ${i}`));
    const list = async (query: string) => {
      const reply = await anon.get<{ id: string }[]>(`/post/list/${alice.userId}${query}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body.map((p) => p.id);
    };
    expect(await list('')).toEqual([...ids].reverse());
    expect(await list('?limit=2.0')).toEqual([ids[2], ids[1]]);
    expect(await list('?limit=1e3')).toEqual([...ids].reverse());
    expectError(await anon.get(`/post/list/${alice.userId}?limit=0.5`), 400, Codes.invalidInput);
    expectError(await anon.get('/post/list/abc'), 404, Codes.notFound);
  });
});
