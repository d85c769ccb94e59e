// The one password every generated user shares, hashed once per run and reused for every row:
// the rows need not differ, and a million hashes would take hours. Argon2id in the PHC string
// format, which carries its own cost, so core's login verifies it whatever core's own setting.
import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';

export const SEED_PASSWORD = 'password123';

export function hashSeedPassword(password = SEED_PASSWORD): Promise<string> {
  // OWASP's first recommended Argon2id setting, core's default: 19 MiB, 2 passes, 1 lane
  // (Argon2id is the library's default algorithm).
  return hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1, salt: randomBytes(16) });
}
