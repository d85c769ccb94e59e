// Who is connecting: the access token from the Authorization header, `?token=`, or the SPA's
// HttpOnly cookie, verified locally with the shared secret (no call to core per connection).
import { InvalidTokenError, TOKEN_PARAM, cookieToken, verifyToken, type TokenClaims } from '@feed/contracts';

export type AuthResult = { ok: true; claims: TokenClaims; via: 'header' | 'query' | 'cookie' } | { ok: false; status: 401 | 403; message: string };

/** The request headers authentication reads (Node's `IncomingMessage.headers`, or a head read off the socket). */
export interface AuthHeaders {
  authorization?: string | undefined;
  cookie?: string | undefined;
  origin?: string | undefined;
  host?: string | undefined;
}

function findToken(headers: AuthHeaders, url: URL): { token: string; via: 'header' | 'query' | 'cookie' } | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) return { token: bearer[1]!, via: 'header' };
  const query = url.searchParams.get(TOKEN_PARAM);
  if (query) return { token: query, via: 'query' };
  const cookie = cookieToken(headers.cookie);
  if (cookie) return { token: cookie, via: 'cookie' };
  return undefined;
}

/**
 * A cookie is sent by the browser whatever page opened the connection, so a cookie-authenticated
 * stream must come from our own pages: the Origin must match the Host or be listed.
 */
function originAllowed(headers: AuthHeaders, allowed: readonly string[]): boolean {
  const origin = headers.origin;
  if (!origin) return true; // not a browser's cross-site request
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

export async function authenticate(headers: AuthHeaders, url: URL, keys: Uint8Array[], allowedOrigins: readonly string[]): Promise<AuthResult> {
  const found = findToken(headers, url);
  if (!found) return { ok: false, status: 401, message: 'authentication required: Authorization: Bearer <token>, ?token= or the login cookie' };
  try {
    const claims = await verifyToken(found.token, keys);
    if (found.via === 'cookie' && !originAllowed(headers, allowedOrigins)) {
      return { ok: false, status: 403, message: 'cookie authentication from a foreign origin' };
    }
    return { ok: true, claims, via: found.via };
  } catch (err) {
    if (err instanceof InvalidTokenError) return { ok: false, status: 401, message: err.message };
    throw err;
  }
}
