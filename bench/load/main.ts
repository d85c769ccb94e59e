// `npm run bench:load -- [options]`: the end-to-end ledger benchmark. See bench/load/README.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { environment, runLoad, type LoadResult } from './load.ts';
import { parseOptions } from './options.ts';
import { writeReport } from './report.ts';
import { writeRedisReport } from './redis-report.ts';

const argv = process.argv.slice(2);
const options = parseOptions(argv);
if (options.fromJson) {
  // Re-render charts and the docs section from a saved run (e.g. after editing findings.md).
  const saved = JSON.parse(readFileSync(options.fromJson, 'utf8')) as LoadResult & { command?: string };
  if (saved.options.redis?.length) await writeRedisReport(saved, saved.command ?? 'npm run bench:load');
  else await writeReport(saved, saved.command ?? 'npm run bench:load', options.out);
  console.log(`re-rendered the report from ${options.fromJson}`);
  process.exit(0);
}
const started = Date.now();
const result = await runLoad(options, environment(), (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`));
const command = `npm run bench:load -- ${argv.join(' ')}`.trim();
mkdirSync(options.out, { recursive: true });
// A --redis run is its own comparison: its data goes beside the ledger run's, not over it.
const json = options.redis.length > 0 ? 'redis-load.json' : 'load.json';
writeFileSync(`${options.out}/${json}`, JSON.stringify({ ...result, command }));
// With --redis the run compares Redis topologies: its own section, not the ledger comparison's.
if (options.report && options.redis.length > 0) await writeRedisReport(result, command);
else if (options.report) await writeReport(result, command, options.out);
console.log(`wrote ${options.out}/${json}${options.report ? (options.redis.length > 0 ? ' and docs/benchmarks.md' : ', SVG charts and docs/benchmarks.md') : ''}`);
// A run that lost, duplicated or reordered anything, or delivered nothing, fails the tool.
const failed = [...result.comparison, ...result.scaling].filter((r) => !r.verdict.ok || r.knee.steps.some((k) => !k.verdict.ok));
for (const r of failed) console.log(`✗ ${r.label}: ${[...r.verdict.problems, ...r.knee.steps.flatMap((k) => k.verdict.problems.map((p) => `at ${k.rate}/s: ${p}`))].join('; ')}`);
process.exit(failed.length > 0 ? 1 : 0);
