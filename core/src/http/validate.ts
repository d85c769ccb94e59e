// Request validation with zod: every field error becomes one readable 400 message.
import { z } from 'zod';
import { ApiError } from './errors.ts';

/** Ids are positive 64-bit integers, sent as decimal strings. */
export const idString = z
  .string({ error: 'must be a string' })
  .regex(/^[1-9][0-9]{0,18}$/, 'must be a positive integer id')
  // zod runs every check even after the regex fails: only digits may reach BigInt().
  .refine((s) => !/^[0-9]+$/.test(s) || BigInt(s) <= 9223372036854775807n, 'is out of range');

/** Accepts an id as a string or a JSON number (clients of the contract send both). */
export const idValue = z.union([idString, z.number().int().positive().max(Number.MAX_SAFE_INTEGER).transform(String)], {
  error: 'must be a positive integer id',
});

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ApiError.invalid(`invalid ${what}: ${describe(result.error)}`);
  return result.data;
}

/** A JSON object body; absent or non-JSON bodies get one clear message. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined) throw ApiError.invalid('expected a JSON body with Content-Type: application/json');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.invalid('request body must be a JSON object');
  }
  return parse(schema, body, 'body');
}

export function parseId(value: unknown, what: string): string {
  return parse(idString, value, what);
}
