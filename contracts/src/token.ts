// The access token is a wire contract: core signs it, gateways verify it locally
// (no call to core per connection). HS256 only, so `alg: none` and key confusion fail.
import { SignJWT, jwtVerify, errors } from 'jose';

const ALGORITHM = 'HS256';
const ISSUER = 'live-feed';

export interface TokenClaims {
  userId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: 'expired' | 'invalid') {
    super(reason === 'expired' ? 'token expired' : 'invalid token');
  }
}

export function tokenKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** The current key first, then the previous secrets still accepted during a rotation. */
export function verificationKeys(current: string, previous: readonly string[]): Uint8Array[] {
  return [current, ...previous].map(tokenKey);
}

export async function signToken(userId: string, key: Uint8Array, ttlSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

/**
 * Verifies with the current key or, during a secret rotation, any previous one still accepted
 * (`keys` lists the current key first). An expired token is expired under every key.
 */
export async function verifyToken(token: string, keys: Uint8Array | readonly Uint8Array[]): Promise<TokenClaims> {
  const candidates = keys instanceof Uint8Array ? [keys] : keys;
  let failure: unknown = new InvalidTokenError('invalid');
  for (const key of candidates) {
    try {
      return await verifyWith(token, key);
    } catch (err) {
      failure = err;
      if (err instanceof InvalidTokenError && err.reason === 'expired') break;
    }
  }
  throw failure;
}

async function verifyWith(token: string, key: Uint8Array): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER });
    if (typeof payload.sub !== 'string' || !/^[1-9][0-9]{0,18}$/.test(payload.sub) || typeof payload.exp !== 'number') {
      throw new InvalidTokenError('invalid');
    }
    return { userId: payload.sub, expiresAt: payload.exp };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw err;
    if (err instanceof errors.JWTExpired) throw new InvalidTokenError('expired');
    throw new InvalidTokenError('invalid');
  }
}
