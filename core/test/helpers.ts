// Shared bits for the REST API tests: unique names, raw requests, and the error-shape check.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Reply } from './client.ts';

/** A lower-case ASCII tag unique to this call, for names that must not collide across test files. */
export function uniqueTag(length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/** The same, capitalised, as a person's name would be written. */
export function uniqueName(prefix = ''): string {
  const tag = uniqueTag();
  return prefix + tag[0]!.toUpperCase() + tag.slice(1);
}

/** A request exactly as given: no default Content-Type, no JSON encoding. */
export async function raw(baseUrl: string, method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  // A Buffer body (unlike a string) makes fetch send no Content-Type of its own.
  const res = await fetch(baseUrl + path, { method, headers: init.headers ?? {}, body: (init.body ?? null) as BodyInit | null });
  const text = await res.text();
  let body: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}

/** Every failure answers `{message, request_id, code}` as JSON, with the request id echoed in a header. */
export function expectError(reply: Reply, status: number, code?: number): void {
  expect({ status: reply.status, body: reply.body }).toMatchObject({ status });
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = reply.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  expect(typeof body.request_id).toBe('string');
  expect(Number.isInteger(body.code)).toBe(true);
  expect(reply.headers.get('x-request-id')).toBe(body.request_id);
  if (code !== undefined) expect(body.code).toBe(code);
}

/** Error codes from core/src/http/errors.ts, spelled out so a silent renumbering fails a test. */
export const Codes = {
  invalidInput: 1000,
  unauthorized: 1001,
  forbidden: 1003,
  notFound: 1004,
  payloadTooLarge: 1013,
  unsupportedMediaType: 1015,
  rateLimited: 1029,
  internal: 1500,
  unavailable: 1503,
} as const;

/** Base64url without padding, as JWT segments are written. */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}
