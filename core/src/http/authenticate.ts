import type { RequestHandler } from 'express';
import { InvalidTokenError, verifyToken } from '@feed/contracts';
import type { SessionRevocation } from '../auth/revocation.ts';
import { ApiError } from './errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    userId?: string;
  }
}

const INT64_MAX = 9223372036854775807n;

/** The bearer token of a request, if it sends one. */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/**
 * The REST API takes bearer tokens only; the HttpOnly cookie is for the live stream. A genuine
 * token is still refused once a logout revoked it.
 */
export function authenticate(keys: Uint8Array[], revocation: SessionRevocation): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next(ApiError.unauthorized());
    try {
      const claims = await verifyToken(token, keys);
      // A genuine signature over a subject beyond int64 would reach SQL as an out-of-range id.
      if (BigInt(claims.userId) > INT64_MAX) return next(ApiError.unauthorized('invalid token: log in again'));
      if (await revocation.isRevoked(claims)) return next(ApiError.unauthorized('token revoked: log in again'));
      req.userId = claims.userId;
      next();
    } catch (err) {
      if (err instanceof InvalidTokenError) return next(ApiError.unauthorized(`${err.message}: log in again`));
      next(err);
    }
  };
}

/** The authenticated user's id; only valid behind `authenticate`. */
export function currentUser(req: { userId?: string | undefined }): string {
  if (!req.userId) throw ApiError.unauthorized();
  return req.userId;
}
