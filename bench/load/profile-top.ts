// `npx tsx bench/load/profile-top.ts <file.cpuprofile> [n]`: the functions with the most self
// time in a V8 CPU profile (what --cpu-prof writes), then the same time summed by package (or
// by our own workspace folder), which shows which library a process spends itself in.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const [file, n = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [n]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
const byPackage = new Map<string, number>();
const total = profile.samples.length;
/** The repository root as a file URL, to name our own code by its workspace folder. */
const ROOT = new URL('../../', import.meta.url).href;
const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** `~/ioredis`, `~/@scope/name`, `core/src`, `node:internal`, or a V8 bucket such as (garbage collector). */
function packageOf(f: Node['callFrame']): string {
  const url = f.url;
  if (!url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return `~/${dep[1]}`;
  if (url.startsWith('node:')) return 'node:internal';
  if (!url.startsWith(ROOT)) return url;
  return url.slice(ROOT.length).split('/').slice(0, 2).join('/');
}

for (const id of profile.samples) {
  const f = byId.get(id)!.callFrame;
  const where = f.url ? `${f.url.replace(/^.*node_modules\//, '~/').replace(ROOT, '')}:${f.lineNumber + 1}` : '';
  add(self, `${f.functionName || '(anonymous)'} ${where}`.trim());
  add(byPackage, packageOf(f));
}
const print = (map: Map<string, number>, limit: number) => {
  for (const [name, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
};
print(self, Number(n));
console.log('\nby package:');
print(byPackage, 15);
