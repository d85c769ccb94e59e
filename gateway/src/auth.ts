// Who is connecting: the access token from the Authorization header, `?token=`, or the SPA's
// HttpOnly cookie, verified locally with the shared secret (no call to core per connection).
import type { IncomingMessage } from 'node:http';
import { InvalidTokenError, TOKEN_PARAM, cookieToken, verifyToken, type TokenClaims } from '@feed/contracts';

export type AuthResult = { ok: true; claims: TokenClaims; via: 'header' | 'query' | 'cookie' } | { ok: false; status: 401 | 403; message: string };

function findToken(req: IncomingMessage, url: URL): { token: string; via: 'header' | 'query' | 'cookie' } | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (bearer) return { token: bearer[1]!, via: 'header' };
  const query = url.searchParams.get(TOKEN_PARAM);
  if (query) return { token: query, via: 'query' };
  const cookie = cookieToken(req.headers.cookie);
  if (cookie) return { token: cookie, via: 'cookie' };
  return undefined;
}

/**
 * A cookie is sent by the browser whatever page opened the connection, so a cookie-authenticated
 * stream must come from our own pages: the Origin must match the Host or be listed.
 */
function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser's cross-site request
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function authenticate(req: IncomingMessage, url: URL, keys: Uint8Array[], allowedOrigins: readonly string[]): Promise<AuthResult> {
  const found = findToken(req, url);
  if (!found) return { ok: false, status: 401, message: 'authentication required: Authorization: Bearer <token>, ?token= or the login cookie' };
  try {
    const claims = await verifyToken(found.token, keys);
    if (found.via === 'cookie' && !originAllowed(req, allowedOrigins)) {
      return { ok: false, status: 403, message: 'cookie authentication from a foreign origin' };
    }
    return { ok: true, claims, via: found.via };
  } catch (err) {
    if (err instanceof InvalidTokenError) return { ok: false, status: 401, message: err.message };
    throw err;
  }
}
