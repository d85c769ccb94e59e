// docs/architecture.md as the code is: the numbered path of one post names at most 20 files, each
// once (a step's contracts, SQL and Lua are named inside that step alone), and every file the
// page names exists.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_DOC, pathsIn, postPathSteps, stepFile } from './support/architecture-doc.ts';

const root = new URL('../', import.meta.url);

describe('docs/architecture.md', () => {
  const steps = postPathSteps();
  const files = steps.map(stepFile);

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
    const missing = [...new Set(pathsIn(ARCHITECTURE_DOC))].filter((path) => !existsSync(new URL(path, root)));
    expect(missing).toEqual([]);
  });
});
