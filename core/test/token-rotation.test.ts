import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, tokenKey } from '@feed/contracts';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';

const OLD = 'the-old-secret-that-is-being-rotated-out-0001';
const NEW = 'the-new-secret-that-signs-every-new-token-0002';
let core: Harness;
beforeAll(async () => {
  core = await startCore({ JWT_SECRET: NEW, JWT_PREVIOUS_SECRETS: OLD });
});
afterAll(() => core.close());

describe('rotating the token secret', () => {
  it('accepts tokens of the previous secret during the rotation, and signs new ones with the new secret', async () => {
    const user = await new Client(core.url).signUp();
    const oldToken = await signToken(user.userId, tokenKey(OLD), 600);
    expect((await new Client(core.url, oldToken).get('/post/feed')).status).toBe(200);
    const forged = await signToken(user.userId, tokenKey('a-secret-nobody-configured-anywhere-0003'), 600);
    expect((await new Client(core.url, forged).get('/post/feed')).status).toBe(401);
    const expired = await signToken(user.userId, tokenKey(OLD), -10);
    expect((await new Client(core.url, expired).get('/post/feed')).status).toBe(401);
    expect((await user.get('/post/feed')).status).toBe(200); // signed at login with the new secret
  });
});
