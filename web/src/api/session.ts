// Who is signed in: the access token in memory, mirrored in sessionStorage so a reload keeps
// the tab signed in (and a new tab does not). The live stream uses the HttpOnly cookie that
// POST /login sets; REST calls send the token as a bearer.

export interface AuthSession {
  token: string;
  userId: string;
  /** Token expiry, ms since the epoch (0 when unknown). */
  expiresAt: number;
}

const KEY = 'feed.session';
const listeners = new Set<(session: AuthSession | null) => void>();
let current: AuthSession | null = load();

function load(): AuthSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<AuthSession>;
    if (typeof value.token !== 'string' || typeof value.userId !== 'string') return null;
    return { token: value.token, userId: value.userId, expiresAt: Number(value.expiresAt) || 0 };
  } catch {
    return null;
  }
}

/** Reads the claims of a JWT without verifying it (the server does that): who and until when. */
export function decodeToken(token: string): { userId?: string; expiresAt: number } {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const claims = JSON.parse(json) as { sub?: unknown; exp?: unknown };
    return {
      ...(typeof claims.sub === 'string' ? { userId: claims.sub } : {}),
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : 0,
    };
  } catch {
    return { expiresAt: 0 };
  }
}

export function getSession(): AuthSession | null {
  return current;
}

export function setSession(session: AuthSession | null): void {
  current = session;
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode); memory still holds the session.
  }
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: (session: AuthSession | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isExpired(session: AuthSession, now = Date.now()): boolean {
  return session.expiresAt > 0 && session.expiresAt <= now;
}
