// docs/architecture.md as the architecture tests read it: the section "The path of one post",
// its numbered steps, and the repository paths a text names in backticks.
import { readFileSync } from 'node:fs';

export const ARCHITECTURE_DOC = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');

/** Repository paths in backticks: a top-level folder, a slash, a file name with an extension. */
export const pathsIn = (text: string): string[] => [...text.matchAll(/`([a-z][\w-]*\/[\w./-]*\.[a-z]+)`/g)].map((m) => m[1]!);

/** The text of "The path of one post". */
export function postPathSection(): string {
  const section = ARCHITECTURE_DOC.split(/^## /m).find((s) => s.startsWith('The path of one post'));
  if (!section) throw new Error('docs/architecture.md has no section "The path of one post"');
  return section;
}

/** The numbered list of "The path of one post": each item's text, continuation lines included. */
export function postPathSteps(): { number: number; text: string }[] {
  const steps: { number: number; text: string }[] = [];
  for (const line of postPathSection().split('\n')) {
    const item = /^(\d+)\. (.*)$/.exec(line);
    if (item) steps.push({ number: Number(item[1]), text: item[2]! });
    else if (/^ {3,}\S/.test(line) && steps.length > 0) steps.at(-1)!.text += ` ${line.trim()}`;
  }
  return steps;
}

/** The file each numbered step starts with (undefined for a step that starts otherwise). */
export const stepFile = (step: { text: string }): string | undefined => /^`([^`]+)`/.exec(step.text)?.[1];
