// Password hashing with scrypt (memory-hard, in node:crypto, no native addon to build).
// The parameters are stored with each hash, so raising the cost later keeps old hashes valid.
// Each derivation runs on libuv's thread pool; hashing.ts decides how many run at once.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

/** One scrypt derivation: the costly part, which a caller may schedule. */
export type Derive = (password: string, salt: Buffer, cost: ScryptCost) => Promise<Buffer>;

export const scryptDerive: Derive = (password, salt, { logN, r, p }) => {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
};

/** `scrypt$<logN>$<r>$<p>$<salt b64>$<key b64>` */
export async function hashPassword(password: string, logN: number, derive: Derive = scryptDerive): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { logN, r: BLOCK_SIZE, p: PARALLELISM });
  return ['scrypt', logN, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string, derive: Derive = scryptDerive): Promise<boolean> {
  const [scheme, logN, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { logN: Number(logN), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
