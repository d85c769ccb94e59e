import { z } from 'zod';

/** Plain text as users type it. NUL cannot be stored in Postgres text, so it is refused here. */
export function plainText(maxChars: number) {
  return z
    .string({ error: 'must be a string' })
    .max(maxChars, `must be at most ${maxChars} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
}
