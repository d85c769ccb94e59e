// Request validation with zod: the rules a request's fields are held to (plain text, ids, whole
// numbers), and every field error becomes one readable 400 message. The OTUS contract is loose
// (ids are plain strings, counts are JSON Schema `number`s), and clients generated from it send
// exactly what it allows: these parsers accept all of that, and refuse only what the contract
// rules out.
import { z } from 'zod';
import { ApiError } from './errors.ts';

const INT64_MAX = 9223372036854775807n;

/** Characters as a person (and JSON Schema's maxLength, and Postgres) counts them: code points, so an emoji is one. */
const characters = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Plain text as users type it. NUL and lone surrogates cannot be stored in Postgres, so they are refused here. */
export function plainText(maxChars: number, minChars = 0) {
  return (
    z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
      // A cheap bound first: more UTF-16 units than twice the limit is over it whatever they are.
      .refine((s) => s.length <= 2 * maxChars && characters(s) <= maxChars, `must be at most ${maxChars} characters`)
      .refine((s) => characters(s) >= minChars, minChars === 1 ? 'must not be empty' : `must be at least ${minChars} characters`)
      .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
      // A lone UTF-16 surrogate (JSON "\ud800") has no UTF-8 form: jsonb refuses it, text mangles it.
      .refine((s) => !/\p{Cs}/u.test(s), 'must be valid Unicode text')
  );
}
const ISSUED_ID = /^[1-9][0-9]{0,18}$/;

/** Whether a string is an id the API issues: a positive 64-bit integer in canonical decimal. */
export function isIssuedId(value: string): boolean {
  return ISSUED_ID.test(value) && BigInt(value) <= INT64_MAX;
}

/**
 * An id as a body names it: the contract's string, or a JSON number (clients send both). Any
 * string is a valid request; `existingId` turns one the API never issued into a 404.
 */
export const idRef = z.union([z.string(), z.number().int().positive().transform(String)], { error: 'must be an id (a string)' });

/**
 * The issued id a request names. A string the API never issued (`abc`, `01`, a UUID, beyond
 * int64) names nothing: 404, as for an id that was issued but is gone. Never 400: the contract
 * allows any string.
 */
export function existingId(value: unknown, what: 'user' | 'post'): string {
  if (typeof value === 'string' && isIssuedId(value)) return value;
  throw ApiError.notFound(`${what} not found`);
}

/** A decimal number as a client writes it: `10`, `10.0`, `1e1`, `1.0E1`, `+10`, `.5`. */
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * A whole number from a query string or a body. The contract types counts as `number`, so
 * generated clients send doubles (`offset=0.0&limit=100.0`, `1e3`); any decimal form of a whole
 * number at least `min` is accepted. Fractions, values below `min` and anything that is not a
 * number are refused. Values may be far beyond 2^53: callers clamp to what they serve.
 */
export function wholeNumber(min: number) {
  const message = `must be a whole number, at least ${min} (written as 10, 10.0 or 1e1)`;
  return z.union([z.number(), z.string().regex(DECIMAL).transform(Number)], { error: message }).refine((n) => Number.isInteger(n) && n >= min, message);
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
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
