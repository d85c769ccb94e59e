// Logout on the REST API alone (the streams' side is gateway/test/revocation.test.ts): the
// revoked token is refused, and with Redis unreachable the API keeps accepting tokens on their
// signature (fail-open, docs/security.md#revocation) while a logout says it could not log out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';

let core: Harness;
beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());

describe('POST /logout', () => {
  it('revokes the token: every authenticated route answers 401 with it, a fresh login works', async () => {
    const user = await new Client(core.url).signUp();
    expect((await user.post('/logout')).status).toBe(204);
    for (const reply of [await user.get('/post/feed'), await user.post('/post/create', { text: 'x' }), await user.put('/friend/set/1')]) {
      expect(reply.status).toBe(401);
      expect(reply.body.message).toBe('token revoked: log in again');
    }
    const again = await new Client(core.url).post<{ token: string }>('/login', { id: user.userId, password: 'correct horse battery' });
    expect((await new Client(core.url, again.body.token).get('/post/feed')).status).toBe(200);
  });
});

describe('without Redis', () => {
  it('accepts unrevoked tokens on their signature, and refuses to pretend a logout worked (503)', async () => {
    const h = await startCore();
    try {
      const user = await new Client(h.url).signUp();
      h.redis.disconnect();
      expect((await user.post('/post/create', { text: 'Redis is down' })).status).toBe(200);
      const logout = await user.post('/logout');
      expect(logout.status).toBe(503);
      expect(logout.headers.get('retry-after')).toBe('5');
      expect(logout.body.message).toBe('could not log out right now: try again');
    } finally {
      await h.close();
    }
  });
});
