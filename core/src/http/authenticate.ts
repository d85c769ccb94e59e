import type { RequestHandler } from 'express';
import { InvalidTokenError, verifyToken } from '@feed/contracts';
import { ApiError } from './errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    userId?: string;
  }
}

/** The REST API takes bearer tokens only; the HttpOnly cookie is for the live stream. */
export function authenticate(keys: Uint8Array[]): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return next(ApiError.unauthorized());
    try {
      req.userId = (await verifyToken(match[1]!, keys)).userId;
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
