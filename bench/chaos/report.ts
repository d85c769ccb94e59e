// Writing a `## Heading` section of docs/reliability.md in place, and small figures helpers.
import { readFileSync, writeFileSync } from 'node:fs';

export const RELIABILITY = 'docs/reliability.md';

/** Replaces the body of `## heading` (up to the next `## ` or the end) with `body`. */
export function replaceSection(file: string, heading: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}" in ${file}`);
  const from = start + `\n## ${heading}\n`.length;
  const next = text.indexOf('\n## ', from);
  const end = next < 0 ? text.length : next + 1;
  writeFileSync(file, `${text.slice(0, from)}\n${body.trim()}\n${next < 0 ? '' : '\n'}${text.slice(end)}`);
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`) : '—');
export const sec = (v: number): string => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : '—');

/** A metric's value from Prometheus text, summed over label sets. */
export function promValue(text: string, name: string): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.e+-]+|NaN)$/.exec(line);
    if (m && m[1] === name) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : NaN;
}
