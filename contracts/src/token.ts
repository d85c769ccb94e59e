// The access token is a wire contract: core signs it, gateways verify it locally
// (no call to core per connection). HS256 only, so `alg: none` and key confusion fail.
import { SignJWT, jwtVerify, errors } from 'jose';
import { TOKEN_COOKIE } from './stream.ts';

const ALGORITHM = 'HS256';
const ISSUER = 'live-feed';

export interface TokenClaims {
  userId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The token's own id (`jti`): what a logout revokes. */
  tokenId: string;
}

/** A token id as signToken makes them (a UUID); anything else is not a token of ours. */
const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class InvalidTokenError extends Error {
  constructor(readonly reason: 'expired' | 'invalid') {
    super(reason === 'expired' ? 'token expired' : 'invalid token');
  }
}

/**
 * What development and tests sign with when JWT_SECRET is unset. It is in the repository, so
 * anyone can sign tokens with it: production refuses it (productionSecretProblem).
 */
export const DEVELOPMENT_SECRET = 'dev-only-secret-change-me-in-production-0123456789';

/** Secrets that have been public: this repository's fallbacks, past and present. */
const PUBLISHED_SECRETS = new Set([DEVELOPMENT_SECRET, 'change-me-to-a-long-random-secret-of-32-chars-or-more']);

/**
 * Why a secret must not sign production tokens, or undefined when it may: a published one, a
 * placeholder ("change me"), or one of so few distinct characters that it was typed, not drawn.
 */
export function productionSecretProblem(secret: string): string | undefined {
  if (PUBLISHED_SECRETS.has(secret)) return 'is a published default; draw one with `openssl rand -base64 48`';
  if (/change.?me/i.test(secret)) return 'is a placeholder; draw one with `openssl rand -base64 48`';
  if (new Set(secret).size < 8) return 'has fewer than 8 distinct characters; draw one with `openssl rand -base64 48`';
  return undefined;
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
    .setJti(crypto.randomUUID())
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
    // Without an id a token could not be revoked: it is not one of ours.
    if (typeof payload.jti !== 'string' || !TOKEN_ID.test(payload.jti)) throw new InvalidTokenError('invalid');
    return { userId: payload.sub, expiresAt: payload.exp, tokenId: payload.jti };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw err;
    if (err instanceof errors.JWTExpired) throw new InvalidTokenError('expired');
    throw new InvalidTokenError('invalid');
  }
}

/** The access token in a Cookie header (the HttpOnly cookie `POST /login` sets), if any. */
export function cookieToken(header: string | undefined): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key !== TOKEN_COOKIE) continue;
    // A malformed escape is a bad token (refused as such), not an error.
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return value.join('=');
    }
  }
  return undefined;
}
