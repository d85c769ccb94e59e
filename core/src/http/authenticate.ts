import type { RequestHandler } from 'express';
import { InvalidTokenError, verifyToken } from '@feed/contracts';
import { ApiError } from './errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    userId?: string;
  }
}

const INT64_MAX = 9223372036854775807n;

/** The REST API takes bearer tokens only; the HttpOnly cookie is for the live stream. */
export function authenticate(keys: Uint8Array[]): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return next(ApiError.unauthorized());
    try {
      const { userId } = await verifyToken(match[1]!, keys);
      // A genuine signature over a subject beyond int64 would reach SQL as an out-of-range id.
      if (BigInt(userId) > INT64_MAX) return next(ApiError.unauthorized('invalid token: log in again'));
      req.userId = userId;
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
