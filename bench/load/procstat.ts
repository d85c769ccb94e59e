// CPU and memory of processes, from /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS).
import { readFileSync, readdirSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export interface Usage {
  /** CPU seconds (user + system) since the process started. */
  cpu: number;
  rssMb: number;
}

export function usage(pid: number): Usage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpu, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
  } catch {
    return undefined;
  }
}

/** Pids whose command name (comm) is one of `names`: the shared services (redis-server, beam.smp, postgres). */
export function pidsNamed(names: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.includes(comm)) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

export interface Watched {
  name: string;
  role: string;
  pid: number;
}

export interface ProcessReport {
  name: string;
  role: string;
  pid: number;
  /** CPU seconds used in the measured window. */
  cpuSeconds: number;
  /** Mean CPU in the window, in % of one core. */
  cpuPercent: number;
  rssMbStart: number;
  rssMbPeak: number;
  rssMbEnd: number;
}

/** Samples a set of processes every `everyMs`, reporting the window between start() and stop(). */
export class Sampler {
  private readonly first = new Map<number, Usage>();
  private readonly last = new Map<number, Usage>();
  private readonly peak = new Map<number, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private startedAt = 0;
  private stoppedAt = 0;
  readonly series: { t: number; cpu: Record<string, number> }[] = [];

  constructor(private readonly watched: Watched[]) {}

  start(everyMs = 1000): void {
    this.startedAt = performance.now();
    for (const w of this.watched) {
      const u = usage(w.pid);
      if (u) {
        this.first.set(w.pid, u);
        this.last.set(w.pid, u);
        this.peak.set(w.pid, u.rssMb);
      }
    }
    let prev = new Map(this.first);
    let prevT = this.startedAt;
    this.timer = setInterval(() => {
      const t = performance.now();
      const cpu: Record<string, number> = {};
      for (const w of this.watched) {
        const u = usage(w.pid);
        if (!u) continue;
        this.last.set(w.pid, u);
        this.peak.set(w.pid, Math.max(this.peak.get(w.pid) ?? 0, u.rssMb));
        const p = prev.get(w.pid);
        if (p) cpu[w.role] = (cpu[w.role] ?? 0) + ((u.cpu - p.cpu) / ((t - prevT) / 1000)) * 100;
      }
      this.series.push({ t: (t - this.startedAt) / 1000, cpu });
      prev = new Map(this.last);
      prevT = t;
    }, everyMs);
  }

  stop(): ProcessReport[] {
    clearInterval(this.timer);
    this.stoppedAt = performance.now();
    const seconds = Math.max(0.001, (this.stoppedAt - this.startedAt) / 1000);
    const out: ProcessReport[] = [];
    for (const w of this.watched) {
      const end = usage(w.pid) ?? this.last.get(w.pid);
      const start = this.first.get(w.pid);
      if (!start || !end) continue;
      const cpuSeconds = end.cpu - start.cpu;
      out.push({
        ...w,
        cpuSeconds,
        cpuPercent: (cpuSeconds / seconds) * 100,
        rssMbStart: start.rssMb,
        rssMbPeak: Math.max(this.peak.get(w.pid) ?? 0, end.rssMb),
        rssMbEnd: end.rssMb,
      });
    }
    return out;
  }
}
