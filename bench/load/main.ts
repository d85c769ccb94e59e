// `npm run bench:load -- [options]`: the end-to-end ledger benchmark. See bench/load/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { environment, runLoad } from './load.ts';
import { parseOptions } from './options.ts';
import { writeReport } from './report.ts';

const argv = process.argv.slice(2);
const options = parseOptions(argv);
const started = Date.now();
const result = await runLoad(options, environment(), (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`));
mkdirSync(options.out, { recursive: true });
writeFileSync(`${options.out}/load.json`, JSON.stringify(result, null, 1));
if (options.report) await writeReport(result, `npm run bench:load -- ${argv.join(' ')}`.trim());
console.log(`wrote ${options.out}/load.json${options.report ? ', SVG charts and docs/benchmarks.md' : ''}`);
process.exit(0);
