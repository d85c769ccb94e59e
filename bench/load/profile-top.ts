// `npx tsx bench/load/profile-top.ts <file.cpuprofile> [n]`: the functions with the most self
// time in a V8 CPU profile (what --cpu-prof writes), then the same time summed by package (or
// by our own workspace folder), which shows which library a process spends itself in.
//
// `npx tsx bench/load/profile-top.ts <file.cpuprofile> --stalls [--after <s>] [n]`: the n longest stretches in
// which the process never went idle (an event-loop stall is one of these), each with the
// functions that held the most of it (inclusive time) and the entry points that started it.
// The average of a whole run hides a 300 ms turn; this names the turn.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const args = process.argv.slice(2);
const stalls = args.includes('--stalls');
// --after <s>: only stretches that start this many seconds into the profile (past start-up and
// connecting, into the measured window).
const afterAt = args.indexOf('--after');
const afterSeconds = afterAt >= 0 ? Number(args[afterAt + 1]) : 0;
const [file, n = stalls ? '5' : '25'] = args.filter((a, i) => a !== '--stalls' && (afterAt < 0 || (i !== afterAt && i !== afterAt + 1)));
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [--stalls [--after <s>]] [n]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
/** The repository root as a file URL, to name our own code by its workspace folder. */
const ROOT = new URL('../../', import.meta.url).href;
const add = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const nameOf = (f: Node['callFrame']) => {
  const where = f.url ? `${f.url.replace(/^.*node_modules\//, '~/').replace(ROOT, '')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};

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

/** The sample's stack, leaf first, without the (root) node. */
function stackOf(id: number): Node[] {
  const stack: Node[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at)!;
    if (node.callFrame.functionName !== '(root)') stack.push(node);
  }
  return stack;
}

const print = (map: Map<string, number>, limit: number, total: number, unit = '%') => {
  for (const [name, value] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    const figure = unit === '%' ? `${((value / total) * 100).toFixed(1).padStart(5)}%` : `${(value / 1000).toFixed(1).padStart(6)} ms`;
    console.log(`${figure}  ${name}`);
  }
};

if (stalls) printStalls(Number(n));
else printTop(Number(n));

function printTop(limit: number): void {
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    add(self, nameOf(f));
    add(byPackage, packageOf(f));
  }
  print(self, limit, profile.samples.length);
  console.log('\nby package:');
  print(byPackage, 15, profile.samples.length);
}

/** A sample's time is the delta to the next one (V8 records the delta before each sample). */
function printStalls(limit: number): void {
  const { samples, timeDeltas } = profile;
  const busy = (id: number) => byId.get(id)!.callFrame.functionName !== '(idle)';
  const runs: { start: number; from: number; to: number; us: number }[] = [];
  let at = profile.startTime;
  let open: { start: number; from: number; us: number } | undefined;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    const spent = timeDeltas[i + 1] ?? 0;
    if (busy(samples[i]!)) {
      open ??= { start: at, from: i, us: 0 };
      open.us += spent;
    } else if (open) {
      runs.push({ ...open, to: i });
      open = undefined;
    }
  }
  if (open) runs.push({ ...open, to: samples.length });
  const late = runs.filter((run) => run.start - profile.startTime >= afterSeconds * 1e6).sort((a, b) => b.us - a.us);
  console.log(`profile spans ${((at - profile.startTime) / 1e6).toFixed(1)} s; the ${limit} longest busy stretches${afterSeconds ? ` after ${afterSeconds} s` : ''}:`);
  for (const run of late.slice(0, limit)) {
    console.log(`\n${(run.us / 1000).toFixed(1)} ms busy, ${((run.start - profile.startTime) / 1e6).toFixed(2)} s into the profile`);
    const inclusive = new Map<string, number>();
    const entries = new Map<string, number>();
    for (let i = run.from; i < run.to; i++) {
      const spent = timeDeltas[i + 1] ?? 0;
      const stack = stackOf(samples[i]!);
      for (const name of new Set(stack.map((node) => nameOf(node.callFrame)))) add(inclusive, name, spent);
      // The outermost frame of our own code, or of a library when ours is not on the stack.
      const outermostFirst = [...stack].reverse();
      const ours = outermostFirst.find((node) => node.callFrame.url.startsWith(ROOT) && !node.callFrame.url.includes('node_modules'));
      const entry = ours ?? outermostFirst.find((node) => node.callFrame.url !== '') ?? stack[0];
      add(entries, entry ? nameOf(entry.callFrame) : '(none)', spent);
    }
    console.log(' most inclusive time:');
    print(inclusive, 12, 0, 'ms');
    console.log(' entered through:');
    print(entries, 6, 0, 'ms');
  }
}
