// docs/architecture.md as the code is: the numbered path of one post names at most 20 files, each
// once (a step's contracts, SQL and Lua are named inside that step alone), and every file the
// page names exists.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const doc = readFileSync(new URL('docs/architecture.md', root), 'utf8');

/** Repository paths in backticks: a top-level folder, a slash, a file name with an extension. */
const pathsIn = (text: string): string[] => [...text.matchAll(/`([a-z][\w-]*\/[\w./-]*\.[a-z]+)`/g)].map((m) => m[1]!);

/** The numbered list of "The path of one post": each item's text, continuation lines included. */
function pathSteps(): { number: number; text: string }[] {
  const section = doc.split(/^## /m).find((s) => s.startsWith('The path of one post'));
  if (!section) throw new Error('docs/architecture.md has no section "The path of one post"');
  const steps: { number: number; text: string }[] = [];
  for (const line of section.split('\n')) {
    const item = /^(\d+)\. (.*)$/.exec(line);
    if (item) steps.push({ number: Number(item[1]), text: item[2]! });
    else if (/^ {3,}\S/.test(line) && steps.length > 0) steps.at(-1)!.text += ` ${line.trim()}`;
  }
  return steps;
}

describe('docs/architecture.md', () => {
  const steps = pathSteps();
  const files = steps.map((s) => /^`([^`]+)`/.exec(s.text)?.[1]);

  it('lists the path of one post as at most 20 numbered files, in order, each once', () => {
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThanOrEqual(20);
    expect(steps.map((s) => s.number)).toEqual(steps.map((_, i) => i + 1));
    expect(files.every((f) => f !== undefined)).toBe(true);
    expect(new Set(files).size).toBe(files.length);
  });

  it('names each file of the path in one step only (no step returns to a file already visited)', () => {
    const stepsNaming = new Map<string, number[]>();
    for (const step of steps) for (const path of new Set(pathsIn(step.text))) stepsNaming.set(path, [...(stepsNaming.get(path) ?? []), step.number]);
    const namedTwice = [...stepsNaming].filter(([, named]) => named.length > 1);
    expect(namedTwice).toEqual([]);
  });

  it('names only files that exist', () => {
    const missing = [...new Set(pathsIn(doc))].filter((path) => !existsSync(new URL(path, root)));
    expect(missing).toEqual([]);
  });
});
