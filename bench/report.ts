// Writing a benchmark's results into docs/benchmarks.md: each benchmark owns one `## ` section,
// which is replaced in place (or appended), leaving every other section as it was.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const BENCHMARKS_DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the section whose heading is `## <title>` (up to the next `## ` heading) with
 * `section`, which must itself start with that heading; appends it when the file has none.
 * Creates the file with a `# Benchmarks` heading when it is missing.
 */
export async function writeSection(title: string, section: string, file = BENCHMARKS_DOC): Promise<void> {
  if (!section.startsWith(`## ${title}`)) throw new Error(`section must start with "## ${title}"`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const heading = new RegExp(`^## ${escape(title)}[ \\t]*\\n`, 'm');
  const match = heading.exec(text);
  if (match) {
    const rest = text.slice(match.index + match[0].length);
    const next = /^## /m.exec(rest);
    const after = next ? rest.slice(next.index) : '';
    text = text.slice(0, match.index) + section.trimEnd() + '\n' + (after ? '\n' + after : '');
  } else {
    text = text.replace(/\n*$/, '\n\n') + section.trimEnd() + '\n';
  }
  await writeFile(file, text.replace(/\n{3,}/g, '\n\n'));
}
