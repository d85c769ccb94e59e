// Password hashing has lanes of its own (core/src/auth/hashing.ts): a registration flood fills
// the registration lane and is refused beyond it (503, Retry-After) while logins are answered
// from theirs. The order of service is read from markers the derivation leaves, never from
// durations: registrations are held at a gate the test opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingBusy, HashingLane, PasswordHashing } from '../src/auth/hashing.ts';
import { argon2Hasher, type PasswordHasher } from '../src/auth/password.ts';
import { loadConfig, passwordCost } from '../src/config.ts';
import { waitFor } from '../../test/support/ports.ts';
import { startCore, type Harness } from './harness.ts';
import { Client } from './client.ts';

describe('a hashing lane', () => {
  it('runs at most its concurrency, queues up to its bound in order, and refuses one more at once', async () => {
    const lane = new HashingLane('registration', { concurrency: 1, queue: 2 });
    const started: number[] = [];
    const release: (() => void)[] = [];
    const job = (n: number) =>
      lane.run(async () => {
        started.push(n);
        await new Promise<void>((r) => release.push(r));
        return n;
      });
    const jobs = [job(1), job(2), job(3)];
    await waitFor('one running, two waiting', async () => lane.active === 1 && lane.queued === 2);
    const refused = await job(4).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HashingBusy);
    expect((refused as HashingBusy).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((refused as HashingBusy).message).toMatch(/^too many registrations in progress: try again in \d+ s$/);
    expect(started).toEqual([1]);
    for (let i = 0; i < 3; i++) {
      await waitFor(`job ${i + 1} to start`, async () => release.length === i + 1);
      release[i]!();
    }
    expect(await Promise.all(jobs)).toEqual([1, 2, 3]);
    expect(started).toEqual([1, 2, 3]);
    expect([lane.active, lane.queued]).toEqual([0, 0]);
  });

  it('is refused by the config when the lanes would take the whole thread pool', () => {
    expect(() => loadConfig({ LOGIN_HASH_CONCURRENCY: '3', REGISTRATION_HASH_CONCURRENCY: '1' })).toThrow(/must stay below UV_THREADPOOL_SIZE/);
    expect(loadConfig({ LOGIN_HASH_CONCURRENCY: '3', REGISTRATION_HASH_CONCURRENCY: '2', UV_THREADPOOL_SIZE: '8' }).LOGIN_HASH_CONCURRENCY).toBe(3);
  });
});

describe('a registration flood', () => {
  const FLOOD = 'flood password';
  const markers: string[] = [];
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  // Registrations of the flood wait at the gate; everything else hashes for real at once.
  const real = argon2Hasher(passwordCost(loadConfig({})));
  const marked = async <T>(password: string, work: () => Promise<T>): Promise<T> => {
    const who = password.startsWith(FLOOD) ? 'flood' : 'login';
    markers.push(`${who} start`);
    if (who === 'flood') await gate;
    const result = await work();
    markers.push(`${who} done`);
    return result;
  };
  const hasher: PasswordHasher = {
    hash: (password) => marked(password, () => real.hash(password)),
    verify: (password, stored) => marked(password, () => real.verify(password, stored)),
    outdated: (stored) => real.outdated(stored),
  };
  const hashing = new PasswordHashing({ login: { concurrency: 1, queue: 4 }, registration: { concurrency: 1, queue: 2 } }, hasher);
  let core: Harness;
  beforeAll(async () => {
    core = await startCore({}, { hashing });
  });
  afterAll(() => core.close());

  it('gets 503 with Retry-After beyond its lane, while a login is still answered', async () => {
    const anon = new Client(core.url);
    const account = await anon.post<{ user_id: string }>('/user/register', { password: 'login password' });
    expect(account.status).toBe(200);
    markers.length = 0;

    const flood = [0, 1, 2].map((i) => anon.post('/user/register', { password: `${FLOOD} ${i}` }));
    await waitFor('the registration lane full', async () => hashing.registration.active === 1 && hashing.registration.queued === 2);

    const refused = await anon.post('/user/register', { password: `${FLOOD} 3` });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.message).toMatch(/^too many registrations in progress: try again in \d+ s$/);
    expect(refused.body.code).toBe(1503);

    // The lane is still full (the gate is shut) and a login goes through on its own lane.
    const login = await anon.post('/login', { id: account.body.user_id, password: 'login password' });
    expect(login.status).toBe(200);
    expect(hashing.registration.queued).toBe(2);
    expect(markers).toEqual(['flood start', 'login start', 'login done']);

    open();
    for (const reply of await Promise.all(flood)) expect(reply.status).toBe(200);
    expect(markers.slice(3)).toEqual(['flood done', 'flood start', 'flood done', 'flood start', 'flood done']);
  });
});
