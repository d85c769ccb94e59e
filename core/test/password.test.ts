// New hashes are Argon2id; hashes stored before, as scrypt, still verify.
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { argon2Hasher } from '../src/auth/password.ts';
import { loadConfig, passwordCost } from '../src/config.ts';

const hasher = argon2Hasher(passwordCost(loadConfig({})));

describe('password hashing', () => {
  it('hashes with Argon2id at the given cost, and verifies only the right password', async () => {
    const stored = await hasher.hash('correct horse');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.hash('correct horse')).not.toBe(stored); // a salt of its own
    expect(await hasher.verify('correct horse', stored)).toBe(true);
    expect(await hasher.verify('correct horsf', stored)).toBe(false);
  });

  it('verifies a stored scrypt hash', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('old password', salt, 32, { N: 2 ** 12, r: 8, p: 1 });
    const stored = ['scrypt', 12, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    expect(await hasher.verify('old password', stored)).toBe(true);
    expect(await hasher.verify('old passwore', stored)).toBe(false);
  });

  it('refuses a hash in no format it knows', async () => {
    expect(await hasher.verify('x', 'plain x')).toBe(false);
    expect(await hasher.verify('x', 'scrypt$12$8')).toBe(false);
  });
});
