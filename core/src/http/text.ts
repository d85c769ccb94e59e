import { z } from 'zod';

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
