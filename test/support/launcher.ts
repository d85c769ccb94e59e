// How a process of the stack is launched and stopped, for the end-to-end tests' stack, the
// tests' gateways and workers, the load benchmark and the chaos run: a role (core, fan-out
// worker, gateway on its runtime, HAProxy) as a child process with its environment on a port
// of its own, its output kept, its health awaited, killed with a signal and started again on
// the same port and environment; and a group of them stopped together, leaving no process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreCommand } from '@feed/core/launch';
import { gatewayCommand, type Runtime } from '@feed/gateway/launch';
import { haproxyEnv, randomStatsCredentials, renderConfig, type StatsCredentials, type Topology } from '../../haproxy/render.ts';
import { freePort, waitFor } from './ports.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a process is in the stack (a private redis-server is one too, for the chaos run). */
export type Role = 'core' | 'worker' | 'gateway' | 'haproxy' | 'redis';
export type NodeRole = 'core' | 'worker' | 'gateway';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Health {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ProcessSpec {
  name: string;
  role: Role;
  command: string;
  args: string[];
  /** Its environment, over this process's own. */
  env: Record<string, string>;
  /** Where it listens: /health and /metrics (HAProxy: its public entry). */
  port: number;
  /** Whether it is up; by default, whether its /health answers 200. */
  ready?: () => Promise<boolean>;
}

/**
 * Children still running when this process exits are killed: a setup that fails half-way (so
 * its teardown never learns of them) must not leave them behind.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) signal(child, 'SIGKILL');
});

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    // process.kill rather than child.kill: Deno's child_process misreports the exit otherwise.
    process.kill(child.pid!, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Enough to hold a test's whole log; a long benchmark keeps its most recent part. Trimmed only
 * at twice that, so a chatty process does not cost a copy of it for every line.
 */
const OUTPUT_KEPT = 1_000_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class StackProcess {
  child: ChildProcess | undefined;
  /** Exits nobody asked for. */
  readonly crashes: string[] = [];
  private out = '';
  private exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private expectExit = false;

  constructor(
    readonly spec: ProcessSpec,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get name(): string {
    return this.spec.name;
  }
  get role(): Role {
    return this.spec.role;
  }
  get port(): number {
    return this.spec.port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
  output(): string {
    return this.out;
  }

  /** Spawns it: again, after a kill, on the same port and with the same environment. */
  start(): this {
    if (this.running) throw new Error(`${this.name} is still running`);
    const child = spawn(this.spec.command, this.spec.args, { cwd: ROOT, env: { ...process.env, ...this.spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.expectExit = false;
    running.add(child);
    const keep = (chunk: string) => {
      this.out += chunk;
      if (this.out.length > 2 * OUTPUT_KEPT) this.out = this.out.slice(-OUTPUT_KEPT);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    child.on('error', (err) => keep(`${err.message}\n`));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, sig) => {
        running.delete(child);
        if (!this.expectExit) {
          const line = `${this.name} exited on its own (${sig ?? code})`;
          this.crashes.push(line);
          this.log(`✗ ${line}:\n${this.out.slice(-3000)}`);
        }
        resolve({ code, signal: sig });
      }),
    );
    return this;
  }

  /** Sends a signal and waits for the exit; SIGKILL after `graceMs`. */
  async kill(sig: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<Exit> {
    const child = this.child;
    if (!child || !this.running) return this.exited;
    this.expectExit = true;
    signal(child, sig);
    const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits until it is ready; fails at once when it exits meanwhile. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const ready = this.spec.ready ?? (async () => (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) })).ok);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} is not running:\n${this.out.slice(-3000)}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not healthy after ${timeoutMs} ms:\n${this.out.slice(-3000)}`);
      await sleep(100);
    }
  }

  /** Starts it again (it must have stopped) and waits until it is healthy. */
  async restart(timeoutMs?: number): Promise<void> {
    this.start();
    await this.waitHealthy(timeoutMs);
  }

  /** What its /health answers right now. */
  async health(): Promise<Health> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
      return { name: this.name, ok: res.status === 200, detail: res.status === 200 ? undefined : `${res.status} ${(await res.text()).slice(0, 100)}` };
    } catch (err) {
      return { name: this.name, ok: false, detail: (err as Error).message };
    }
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  }
}

/** The variable each role takes its port from (a worker serves /health and /metrics only with it). */
const PORT_VARIABLE: Record<NodeRole, string> = { core: 'PORT', worker: 'WORKER_METRICS_PORT', gateway: 'PORT' };

export interface RoleOptions {
  env?: Record<string, string>;
  /** Another entry point than the role's own (an alternative system's gateway or worker). */
  script?: string;
  /** The gateway's runtime: Node unless told. */
  runtime?: Runtime;
  /** Node options before the entry point (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** A free port unless given. */
  port?: number;
}

function commandOf(role: NodeRole, o: RoleOptions): { command: string; args: string[] } {
  if (role === 'gateway') return gatewayCommand(o.runtime ?? 'node', o.nodeArgs, o.script);
  if (o.runtime === 'deno') throw new Error(`only the gateway's own entry point runs on Deno`);
  return coreCommand(role, o.nodeArgs, o.script);
}

/** Starts a core, worker or gateway process (without waiting for it to be healthy). */
export async function launch(name: string, role: NodeRole, o: RoleOptions = {}, log?: (line: string) => void): Promise<StackProcess> {
  const port = o.port ?? (await freePort());
  return new StackProcess({ name, role, ...commandOf(role, o), env: { ...o.env, [PORT_VARIABLE[role]]: String(port) }, port }, log).start();
}

export interface HaproxySetup extends Topology {
  /** Its name among the launcher's processes (and of its files). */
  name?: string;
  /** Who may open the stats page; random unless given. */
  stats?: StatsCredentials;
  /** Terminate TLS with this PEM (certificate chain and key), on a port of its own. */
  tlsCert?: string;
}

function askRuntime(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let answer = '';
    conn.setEncoding('utf8').on('data', (d: string) => (answer += d));
    conn.on('end', () => resolve(answer));
    conn.on('error', reject);
    conn.end(`${command}\n`);
  });
}

/** Every server's status as HAProxy sees it, by `backend/server`. */
async function serverStatuses(socket: string): Promise<Map<string, string>> {
  const [header = '', ...rows] = (await askRuntime(socket, 'show stat')).split('\n');
  const status = header.replace(/^# /, '').split(',').indexOf('status');
  return new Map(rows.map((row) => row.split(',')).map((cells) => [`${cells[0]}/${cells[1]}`, cells[status] ?? '']));
}

/** HAProxy in front of the stack, and its runtime API. */
export class Haproxy {
  constructor(
    readonly process: StackProcess,
    readonly socket: string,
    readonly statsUrl: string,
    readonly stats: StatsCredentials,
    readonly httpsUrl: string | undefined,
  ) {}

  get url(): string {
    return this.process.url;
  }

  /** Asks HAProxy's runtime API; returns its answer. */
  runtime(command: string): Promise<string> {
    return askRuntime(this.socket, command);
  }

  /** HAProxy's view of a server: "UP", "DOWN", "MAINT", … ("absent" when it has none by that name). */
  async serverStatus(backend: string, server: string): Promise<string> {
    return (await serverStatuses(this.socket)).get(`${backend}/${server}`) ?? 'absent';
  }

  /** Points a (disabled) server slot at a port on this host, enables it and waits until it is up. */
  async enableServer(backend: string, server: string, port: number): Promise<void> {
    await this.runtime(`set server ${backend}/${server} addr 127.0.0.1 port ${port}`);
    await this.runtime(`enable server ${backend}/${server}`);
    await waitFor(`HAProxy to see ${backend}/${server} up`, async () => (await this.serverStatus(backend, server)) === 'UP', 30_000, 100);
  }
}

/** A group of stack processes on free ports, stopped together by close(). */
export class Launcher {
  private readonly procs = new Map<string, StackProcess>();
  private dir: string | undefined;

  constructor(private readonly o: { env?: Record<string, string>; log?: (line: string) => void } = {}) {}

  /** Starts a core, worker or gateway process with the group's environment under its own. */
  async start(name: string, role: NodeRole, o: RoleOptions = {}): Promise<StackProcess> {
    return this.add(await launch(name, role, { ...o, env: { ...this.o.env, ...o.env } }, this.o.log));
  }

  /** Renders haproxy.cfg for `setup` and starts HAProxy; resolves once every enabled server is up. */
  async startHaproxy(setup: HaproxySetup): Promise<Haproxy> {
    const name = setup.name ?? 'haproxy';
    this.dir ??= mkdtempSync(path.join(tmpdir(), 'feed-stack-'));
    const [port, statsPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
    const cfg = path.join(this.dir, `${name}.cfg`);
    const socket = path.join(this.dir, `${name}.sock`);
    const stats = setup.stats ?? randomStatsCredentials();
    writeFileSync(cfg, renderConfig(setup));
    const env = haproxyEnv({ bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}`, socket, stats, ...(setup.tlsCert ? { tls: { cert: setup.tlsCert, bind: `127.0.0.1:${tlsPort}` } } : {}) });
    // Ready once its health checks see every enabled server up (as the runtime API tells).
    const enabled = (['core', 'gateways'] as const).flatMap((backend) => setup[backend].filter((s) => !s.disabled).map((s) => `${backend}/${s.name}`));
    const ready = async () => {
      const statuses = await serverStatuses(socket);
      return enabled.every((server) => statuses.get(server) === 'UP');
    };
    const proc = this.add(new StackProcess({ name, role: 'haproxy', command: 'haproxy', args: ['-db', '-f', cfg], env, port, ready }, this.o.log).start());
    const haproxy = new Haproxy(proc, socket, `http://127.0.0.1:${statsPort}/stats`, stats, setup.tlsCert ? `https://127.0.0.1:${tlsPort}` : undefined);
    await proc.waitHealthy(30_000);
    return haproxy;
  }

  get(name: string): StackProcess {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no process named ${name}`);
    return p;
  }

  processes(role?: Role): StackProcess[] {
    return [...this.procs.values()].filter((p) => !role || p.role === role);
  }

  /** Processes that exited without being told to. */
  crashes(): string[] {
    return this.processes().flatMap((p) => p.crashes);
  }

  /** Stops every process (HAProxy with SIGKILL: it has nothing to finish), removes HAProxy's files. */
  async close(o: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    await Promise.all(this.processes().map((p) => p.kill(p.role === 'haproxy' ? 'SIGKILL' : (o.signal ?? 'SIGTERM'), o.graceMs)));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private add(p: StackProcess): StackProcess {
    if (this.procs.has(p.name)) throw new Error(`${p.name} is already in the stack`);
    this.procs.set(p.name, p);
    return p;
  }
}
