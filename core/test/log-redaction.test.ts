// No credential reaches core's log at LOG_LEVEL=info: not the JWT that /login returns in its
// Set-Cookie (pino-http logs response headers), not a bearer header or cookie, not a password,
// and not a `?token=` in a request target.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';
import { createLogger } from '../src/log.ts';

let core: Harness;
let captured = '';
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += chunk.toString();
      done();
    },
  });
  core = await startCore({ LOG_LEVEL: 'info' }, { log: createLogger('info', 'core', sink) });
});
afterAll(() => core.close());

describe('core log at info', () => {
  it('logs requests, and never the token, the cookie or the password', async () => {
    const password = 'a password that must not be logged';
    const user = await new Client(core.url).signUp({}, password);
    const token = user.token!;
    const signature = token.split('.')[2]!;
    expect((await user.get('/post/feed')).status).toBe(200);
    await fetch(`${core.url}/user/search?first_name=a&last_name=b&token=${token}`, { headers: { cookie: `feed_token=${token}` } });
    expect((await user.post('/logout')).status).toBe(204);

    const lines = captured
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const login = lines.find((l) => l.req?.url === '/login');
    // The login answer was logged, with its headers, the cookie among them redacted.
    expect(login?.res?.headers?.['set-cookie']).toBe('[Redacted]');
    expect(lines.find((l) => l.req?.url?.startsWith('/user/search'))?.req.url).toBe('/user/search?first_name=a&last_name=b&token=[Redacted]');
    expect(lines.some((l) => l.req?.headers?.authorization === '[Redacted]')).toBe(true);
    expect(captured).not.toContain(signature);
    expect(captured).not.toContain(password);
  });
});
