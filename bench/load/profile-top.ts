// `npx tsx bench/load/profile-top.ts <file.cpuprofile> [n]`: the functions with the most self
// time in a V8 CPU profile (what --cpu-prof writes), and the share of idle time.
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
const total = profile.samples.length;
for (const id of profile.samples) {
  const f = byId.get(id)!.callFrame;
  const where = f.url ? `${f.url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/\/work\/main\//, '')}:${f.lineNumber + 1}` : '';
  const name = `${f.functionName || '(anonymous)'} ${where}`.trim();
  self.set(name, (self.get(name) ?? 0) + 1);
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
for (const [name, hits] of top) console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
