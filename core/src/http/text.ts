import { z } from 'zod';

/** Plain text as users type it. NUL and lone surrogates cannot be stored in Postgres, so they are refused here. */
export function plainText(maxChars: number) {
  return z
    .string({ error: 'must be a string' })
    .max(maxChars, `must be at most ${maxChars} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
    // A lone UTF-16 surrogate (JSON "\ud800") has no UTF-8 form: jsonb refuses it, text mangles it.
    .refine((s) => !/\p{Cs}/u.test(s), 'must be valid Unicode text');
}
