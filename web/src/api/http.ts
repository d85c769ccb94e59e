// One way to call the REST API: JSON in and out, the bearer token when signed in, and errors
// carrying the API's own `message` so the UI can show it.
import { getSession, setSession } from './session.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What to tell a person about any failure. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.name === 'AbortError') return 'The request was cancelled.';
  return 'Something went wrong. Please try again.';
}

export interface RequestOptions {
  body?: unknown;
  /** Send the bearer token (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

const GENERIC: Record<number, string> = {
  401: 'Please log in again.',
  404: 'Not found.',
  429: 'Too many requests. Wait a moment and try again.',
  503: 'The service is busy or restarting. Try again in a few seconds.',
};

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const session = options.auth === false ? null : getSession();
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const body = (data ?? {}) as { message?: unknown; code?: unknown; request_id?: unknown };
    const message = typeof body.message === 'string' && body.message ? body.message : (GENERIC[res.status] ?? `Request failed (${res.status}).`);
    // A rejected token means the session is over: sign out so the app asks to log in again.
    if (res.status === 401 && session && getSession()?.token === session.token) setSession(null);
    throw new ApiError(res.status, message, typeof body.code === 'number' ? body.code : undefined, typeof body.request_id === 'string' ? body.request_id : undefined);
  }
  return data as T;
}
