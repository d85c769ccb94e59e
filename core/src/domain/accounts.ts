// Sign-up and login.
import { type Pool, users, type Profile } from '@feed/db';
import { signToken } from '@feed/contracts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { ApiError } from '../http/errors.ts';

export interface AccountSettings {
  tokenKey: Uint8Array;
  tokenTtlSeconds: number;
  scryptLogN: number;
}

export async function register(db: Pool, settings: AccountSettings, profile: Profile, password: string): Promise<string> {
  const hash = await hashPassword(password, settings.scryptLogN);
  return users.createUser(db, profile, hash);
}

/** Unknown user → 404 and wrong password → 400, as the contract's /login lists them. */
export async function login(db: Pool, settings: AccountSettings, userId: string, password: string): Promise<string> {
  const hash = await users.findPasswordHash(db, userId);
  if (hash === undefined) throw ApiError.notFound('user not found');
  if (!(await verifyPassword(password, hash))) throw ApiError.invalid('wrong id or password');
  return signToken(userId, settings.tokenKey, settings.tokenTtlSeconds);
}
