// Password hashing. New hashes are Argon2id at OWASP's first recommended setting (19 MiB,
// 2 passes, 1 lane; Password Storage Cheat Sheet), in the PHC string format, by
// @node-rs/argon2, whose hashes run on libuv's thread pool like node:crypto's. It costs a
// login about 15 ms of one core; scrypt at OWASP's equivalent setting (N = 2^17, 128 MiB) costs
// about 400 ms, at which a hundred people logging in at once wait tens of seconds.
// Hashes stored as `scrypt$<logN>$<r>$<p>$<salt b64>$<key b64>`, or at another cost, still
// verify, and a login replaces them with one at the current setting.
// hashing.ts decides how many hashes run at once.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export interface Argon2Cost {
  /** Memory per hash, KiB. */
  memoryKiB: number;
  /** Passes over that memory. */
  passes: number;
}

/** What hashes and checks passwords; hashing.ts schedules its calls, tests wrap it. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** Whether a hash that verified should be replaced by one at the current setting. */
  outdated(stored: string): boolean;
}

function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, logN, r, p, salt, key] = stored.split('$');
  if (!logN || !r || !p || !salt || !key) return Promise.resolve(false);
  const N = 2 ** Number(logN);
  const expected = Buffer.from(key, 'base64');
  return new Promise((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r) + 1024 * 1024 }, (err, actual) =>
      err ? reject(err) : resolve(actual.length === expected.length && timingSafeEqual(actual, expected)),
    ),
  );
}

export function argon2Hasher(cost: Argon2Cost): PasswordHasher {
  const current = `$argon2id$v=19$m=${cost.memoryKiB},t=${cost.passes},p=1$`;
  return {
    outdated: (stored) => !stored.startsWith(current),
    // Argon2id is the library's default algorithm (the tests check the stored string's prefix).
    hash: (password) => hash(password, { memoryCost: cost.memoryKiB, timeCost: cost.passes, parallelism: 1, salt: randomBytes(16) }),
    async verify(password, stored) {
      if (stored.startsWith('$argon2')) return verify(stored, password);
      if (stored.startsWith('scrypt$')) return verifyScrypt(password, stored);
      return false;
    },
  };
}
