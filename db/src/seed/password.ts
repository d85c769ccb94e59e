// The one password every generated user shares. The seeder may not import core, so this
// repeats core/src/auth/password.ts's format exactly: `scrypt$<logN>$<r>$<p>$<salt b64>$<key b64>`,
// which core's verifyPassword reads. Hashed once per run and reused for every row: a million
// scrypt calls at logN 17 would take hours, and the rows need not differ.
import { randomBytes, scrypt } from 'node:crypto';

export const SEED_PASSWORD = 'password123';

const LOG_N = 17;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

export function scryptKey(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSeedPassword(password = SEED_PASSWORD): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptKey(password, salt, LOG_N, BLOCK_SIZE, PARALLELISM);
  return ['scrypt', LOG_N, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}
