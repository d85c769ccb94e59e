// A stand-in for the REST API in component tests: routes by method and path to handlers.
import { vi } from 'vitest';

export type Handler = (body: unknown, url: URL) => { status?: number; body?: unknown } | undefined;

export function fakeApi(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown; auth: string | null }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://app.test');
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    const headers = (init.headers ?? {}) as Record<string, string>;
    calls.push({ method, path: url.pathname + url.search, body, auth: headers.Authorization ?? null });
    const handler = Object.entries(routes).find(([key]) => {
      const [m, pattern] = key.split(' ');
      return m === method && new RegExp(`^${pattern}$`).test(url.pathname);
    })?.[1];
    const answer = handler ? (handler(body, url) ?? {}) : { status: 404, body: { message: `no route for ${method} ${url.pathname}` } };
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetch);
  return { fetch, calls };
}
