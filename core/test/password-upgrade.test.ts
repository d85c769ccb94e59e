// A password stored as scrypt (or at an older Argon2id cost) keeps working, and the login that
// proves it stores an Argon2id hash at the current setting in its place.
import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';

let core: Harness;
beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());

const storedHash = async (id: string) => (await core.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0]!.password_hash;

describe('an outdated password hash', () => {
  it('verifies, and is replaced by Argon2id at the current cost on a successful login only', async () => {
    const anon = new Client(core.url);
    const { body } = await anon.post<{ user_id: string }>('/user/register', { password: 'old secret' });
    const id = body.user_id;
    const salt = randomBytes(16);
    const scrypt = ['scrypt', 12, 8, 1, salt.toString('base64'), scryptSync('old secret', salt, 32, { N: 2 ** 12, r: 8, p: 1 }).toString('base64')].join('$');
    await core.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, scrypt]);

    expect((await anon.post('/login', { id, password: 'old secreT' })).status).toBe(400);
    expect(await storedHash(id)).toBe(scrypt);

    const login = await anon.post<{ token: string }>('/login', { id, password: 'old secret' });
    expect(login.status).toBe(200);
    const upgraded = await storedHash(id);
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    expect((await anon.post('/login', { id, password: 'old secret' })).status).toBe(200);
    expect(await storedHash(id)).toBe(upgraded); // current: left as it is
  });
});
