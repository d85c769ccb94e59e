// Sign-up and login.
import { type Pool, users, type Profile } from '@feed/db';
import { signToken } from '@feed/contracts';
import { HashingBusy, type PasswordHashing } from '../auth/hashing.ts';
import { ApiError, ErrorCode } from '../http/errors.ts';

export interface AccountSettings {
  tokenKey: Uint8Array;
  tokenTtlSeconds: number;
  hashing: PasswordHashing;
}

/** A full hashing lane is the server's limit, not the client's fault: 503 with Retry-After. */
async function hashed<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof HashingBusy) throw new ApiError(503, ErrorCode.unavailable, err.message, err.retryAfterSeconds);
    throw err;
  }
}

export async function register(db: Pool, settings: AccountSettings, profile: Profile, password: string): Promise<string> {
  const hash = await hashed(settings.hashing.hash(password));
  return users.createUser(db, profile, hash);
}

/**
 * A hash stored at an older setting (scrypt, or a lower cost) is replaced at the login that
 * proves the password, the one moment the password is known. A busy lane or a failed write
 * leaves the old hash, which still verifies: the login itself succeeds either way.
 */
async function upgradeHash(db: Pool, hashing: PasswordHashing, userId: string, password: string, stored: string): Promise<void> {
  try {
    const next = await hashing.rehash(password, stored);
    if (next) await users.replacePasswordHash(db, userId, stored, next);
  } catch {
    // the next login tries again
  }
}

/** Unknown user → 404 and wrong password → 400, as the contract's /login lists them. */
export async function login(db: Pool, settings: AccountSettings, userId: string, password: string): Promise<string> {
  const hash = await users.findPasswordHash(db, userId);
  if (hash === undefined) throw ApiError.notFound('user not found');
  if (!(await hashed(settings.hashing.verify(password, hash)))) throw ApiError.invalid('wrong id or password');
  await upgradeHash(db, settings.hashing, userId, password, hash);
  return signToken(userId, settings.tokenKey, settings.tokenTtlSeconds);
}
