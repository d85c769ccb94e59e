import { Router } from 'express';
import { z } from 'zod';
import { TOKEN_COOKIE, cookieToken } from '@feed/contracts';
import { type Pool, users } from '@feed/db';
import type { SessionRevocation } from '../auth/revocation.ts';
import { login, register, type AccountSettings } from '../domain/accounts.ts';
import { bearerToken } from '../http/authenticate.ts';
import { ApiError, ErrorCode } from '../http/errors.ts';
import type { ApiRateLimits } from '../http/rate-limits.ts';
import { existingId, idRef, parse, parseBody, plainText } from '../http/validate.ts';

const name = plainText(100);

const registration = z.object({
  first_name: name.optional(),
  second_name: name.optional(),
  birthdate: z.iso
    .date('must be a date as YYYY-MM-DD')
    .refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), 'must be between 1900-01-01 and today')
    .optional(),
  biography: plainText(2000).optional(),
  city: name.optional(),
  password: plainText(256, 8),
});

const credentials = z.object({
  id: idRef,
  password: plainText(256, 1),
});

// Both required by the contract; an empty one matches every name (a prefix of any).
const search = z.object({
  first_name: plainText(100),
  last_name: plainText(100),
});

export function userRoutes(db: Pool, settings: AccountSettings, searchLimit: number, limits: ApiRateLimits, revocation: SessionRevocation): Router {
  const router = Router();

  router.post('/user/register', async (req, res) => {
    const { password, ...profile } = parseBody(registration, req.body);
    await limits.registration(req, res);
    const userId = await register(db, settings, profile, password);
    res.json({ user_id: userId });
  });

  router.post('/login', async (req, res) => {
    const { id, password } = parseBody(credentials, req.body);
    const attempt = await limits.login(req, res, id);
    let token: string;
    try {
      token = await login(db, settings, existingId(id, 'user'), password);
    } catch (err) {
      // With the body valid, 404 is an unknown account and 400 a wrong password.
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) await attempt.failed(err.status === 400);
      throw err;
    }
    await attempt.succeeded();
    // The browser's EventSource and WebSocket cannot send headers: the stream reads this cookie.
    res.cookie(TOKEN_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      maxAge: settings.tokenTtlSeconds * 1000,
    });
    res.json({ token });
  });

  // Not in the contract: sign-out. Revokes the token it is sent (the bearer header, the login
  // cookie, or both): REST refuses it from then on and the streams opened with it close. No
  // token, or one that is not genuine, revokes nothing and is not an error: logging out is
  // idempotent. The cookie is cleared either way.
  router.post('/logout', async (req, res) => {
    const presented = [bearerToken(req.headers.authorization), cookieToken(req.headers.cookie)].filter((t): t is string => !!t);
    try {
      await revocation.revoke(presented);
    } catch (err) {
      req.log.error({ err: (err as Error).message }, 'logout could not revoke the token');
      throw new ApiError(503, ErrorCode.unavailable, 'could not log out right now: try again', 5);
    }
    res.clearCookie(TOKEN_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
    res.status(204).end();
  });

  router.get('/user/get/:id', async (req, res) => {
    const id = existingId(req.params.id, 'user');
    const user = await users.findUser(db, id);
    if (!user) throw ApiError.notFound(`user ${id} not found`);
    res.json(user);
  });

  router.get('/user/search', async (req, res) => {
    const query = parse(search, { first_name: req.query.first_name, last_name: req.query.last_name }, 'query');
    res.json(await users.searchUsers(db, query.first_name, query.last_name, searchLimit));
  });

  return router;
}
