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

export async function signToken(userId: string, key: Uint8Array, ttlSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

export async function verifyToken(token: string, key: Uint8Array): Promise<TokenClaims> {
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
