// The modules the SPA and the client SDK load in browsers import nothing, so a bundle that takes
// them takes no zod, no jose, no Node built-in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('contracts for browsers', () => {
  it.each(['stream', 'cluster'])('src/%s.ts imports nothing and is exported on its own', (name) => {
    const source = readFileSync(new URL(`../src/${name}.ts`, import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*(import|export\s+(\*|\{[^}]*\})\s+from)\s/m);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string> };
    expect(pkg.exports[`./${name}`]).toBe(`./src/${name}.ts`);
  });
});
