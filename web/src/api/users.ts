// Accounts and people: sign up, log in and out, profiles, search by name.
import { request } from './http.ts';
import { decodeToken, setSession, type AuthSession } from './session.ts';
import type { Registration, User } from './types.ts';

export async function register(profile: Registration): Promise<string> {
  const body: Record<string, string> = {};
  for (const [key, value] of Object.entries(profile)) if (typeof value === 'string' && value.trim() !== '') body[key] = key === 'password' ? value : value.trim();
  const { user_id } = await request<{ user_id: string }>('POST', '/user/register', { body, auth: false });
  return user_id;
}

/** Logs in by user id and password; the server also sets the stream's HttpOnly cookie. */
export async function login(id: string, password: string): Promise<AuthSession> {
  const { token } = await request<{ token: string }>('POST', '/login', { body: { id: id.trim(), password }, auth: false });
  const claims = decodeToken(token);
  const session: AuthSession = { token, userId: claims.userId ?? id.trim(), expiresAt: claims.expiresAt };
  setSession(session);
  return session;
}

/** Forgets the token here and asks the server to expire the cookie. */
export async function logout(): Promise<void> {
  setSession(null);
  users.clear();
  await request('POST', '/logout', { auth: false }).catch(() => {});
}

const users = new Map<string, Promise<User>>();

/** A profile; each id is fetched once per page load (names appear on every post). */
export function getUser(id: string, fresh = false): Promise<User> {
  let found = fresh ? undefined : users.get(id);
  if (!found) {
    found = request<User>('GET', `/user/get/${encodeURIComponent(id)}`);
    found.catch(() => users.delete(id));
    users.set(id, found);
  }
  return found;
}

/** Prefix search on both names (the API requires both). */
export function searchUsers(firstName: string, lastName: string, signal?: AbortSignal): Promise<User[]> {
  const query = new URLSearchParams({ first_name: firstName.trim(), last_name: lastName.trim() });
  return request<User[]>('GET', `/user/search?${query}`, signal ? { signal } : {});
}

export function displayName(user: Pick<User, 'first_name' | 'second_name' | 'id'>): string {
  const name = [user.first_name, user.second_name].filter(Boolean).join(' ').trim();
  return name || `User ${user.id}`;
}
