// docs/stream.md shows the examples as they are: each one, run by the tests beside this file,
// appears in the doc verbatim.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/stream.md', import.meta.url), 'utf8');

describe('docs/stream.md', () => {
  it.each(['browser', 'node', 'deno'])('shows client/examples/%s.ts as it is', (name) => {
    const example = readFileSync(new URL(`../examples/${name}.ts`, import.meta.url), 'utf8').trimEnd();
    expect(doc).toContain('```ts\n' + example + '\n```');
  });
});
