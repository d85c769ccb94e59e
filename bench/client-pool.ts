// The forked-client pool the benchmarks share. Client processes each hold a share of a run's
// stream connections (one process cannot hold many thousands of sockets with room to spare
// under `ulimit -n`, and several spread the clients' CPU) and send what the connections
// receive back to the parent in batches over IPC.
//
// The parent side, ClientPool, forks the processes, spreads connections over them, opens them
// with a bounded number of handshakes in flight per process, gathers the batches, closes the
// connections and stops the processes; none outlives the parent (each exits when its IPC
// channel closes, and the parent kills what is left when it exits). The child side,
// serveConnections, is the IPC loop of a client module. A tool writes only its client module:
// how one of its connections opens, and what its connections gather for the parent.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One open connection, as a client module holds it. */
export interface Connection {
  close(): void;
}

/** What a client module does in each client process. */
export interface Connections<Spec, Batch> {
  /**
   * Opens one connection: resolves once it is open, rejects (leaving nothing open) when it
   * cannot. A connection that opened and then ends by itself calls `lost`.
   */
  open(spec: Spec, lost: (why?: string) => void): Promise<Connection>;
  /** What the connections received since the last call, or null for nothing. */
  take(): Batch | null;
}

declare const shape: unique symbol;
/**
 * The type of a client module: what it opens, what it sends back, and the settings each of its
 * processes starts with. The parent names it with `import type` (the module runs only in the
 * client processes).
 */
export interface ClientModule<Spec, Batch, Settings> {
  readonly [shape]?: { spec: Spec; batch: Batch; settings: Settings };
}
type AnyModule = ClientModule<unknown, unknown, unknown>;
type SpecOf<M> = M extends ClientModule<infer S, unknown, unknown> ? S : never;
type BatchOf<M> = M extends ClientModule<unknown, infer B, unknown> ? B : never;
type SettingsOf<M> = M extends ClientModule<unknown, unknown, infer T> ? T : never;

type ToClient<Spec, Settings> = { type: 'setup'; settings: Settings } | { type: 'open'; specs: Spec[]; concurrency: number } | { type: 'flush'; id: number } | { type: 'close' };
type FromClient<Batch> =
  | { type: 'progress'; done: number }
  /** `failed`: indexes into the process's share; `errors`: the first few, with their index. */
  | { type: 'opened'; failed: number[]; errors: [number, string][] }
  | { type: 'batch'; batch: Batch }
  | { type: 'flushed'; id: number }
  | { type: 'closed'; lost: number; why: string[] };

/** How often a client process sends what its connections gathered. */
const BATCH_MS = 50;
/** How often a client process reports how many of its connections it has tried, while opening. */
const PROGRESS_MS = 500;
/** Failure messages kept per process and open: enough to tell why, not thousands of the same. */
const ERRORS_KEPT = 5;

/**
 * The client process's side: serves the pool's commands with the connections `setup` makes
 * from the pool's settings. Call it once, at the top of a client module.
 */
export function serveConnections<Spec, Batch, Settings = undefined>(setup: (settings: Settings) => Connections<Spec, Batch>): ClientModule<Spec, Batch, Settings> {
  if (!process.send) throw new Error('a client module runs in a process that a ClientPool forked');
  const send = (m: FromClient<Batch>) => process.send!(m);
  let connections: Connections<Spec, Batch> | undefined;
  const held = new Set<Connection>();
  let lost = 0;
  /** Why the first lost connections ended, for the report. */
  let lostWhy: string[] = [];
  const flush = () => {
    const batch = connections?.take() ?? null;
    if (batch !== null) send({ type: 'batch', batch });
  };
  setInterval(flush, BATCH_MS);

  async function openAll(specs: Spec[], concurrency: number): Promise<void> {
    const open = connections!;
    let next = 0;
    let done = 0;
    const failed: number[] = [];
    const errors: [number, string][] = [];
    const progress = setInterval(() => send({ type: 'progress', done }), PROGRESS_MS);
    const lane = async () => {
      while (next < specs.length) {
        const index = next++;
        let connection: Connection | undefined;
        try {
          connection = await open.open(specs[index]!, (why) => {
            // Only a connection still held is lost: one closed on purpose is not.
            if (!connection || !held.delete(connection)) return;
            lost++;
            if (lostWhy.length < ERRORS_KEPT) lostWhy.push(why ?? 'ended');
          });
          held.add(connection);
        } catch (err) {
          failed.push(index);
          if (errors.length < ERRORS_KEPT) errors.push([index, err instanceof Error ? err.message : String(err)]);
        }
        done++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
    clearInterval(progress);
    send({ type: 'opened', failed, errors });
  }

  process.on('message', (m: ToClient<Spec, Settings>) => {
    if (m.type === 'setup') connections = setup(m.settings);
    else if (m.type === 'open') void openAll(m.specs, m.concurrency);
    else if (m.type === 'flush') {
      flush();
      send({ type: 'flushed', id: m.id });
    } else if (m.type === 'close') {
      const closing = [...held];
      held.clear();
      for (const c of closing) c.close();
      // What arrived up to the close goes out before the answer.
      flush();
      send({ type: 'closed', lost, why: lostWhy });
      lost = 0;
      lostWhy = [];
    }
  });
  process.on('disconnect', () => process.exit(0));
  return {};
}

export interface PoolOptions<M extends AnyModule> {
  processes: number;
  /** Given to the module's setup in every process. */
  settings: SettingsOf<M>;
  /** Everything the connections receive, batch by batch, in each process's order. */
  onBatch(batch: BatchOf<M>): void;
}

export interface OpenOptions {
  /** Handshakes in flight per process. */
  concurrency: number;
  /** Called every `progressEveryMs` while connections open. */
  progress?(done: number, total: number): void;
  progressEveryMs?: number;
}

export interface Opened<Spec> {
  opened: number;
  failed: Spec[];
  /** Why, for the first few failures of each process. */
  errors: { spec: Spec; message: string }[];
  seconds: number;
}

/** One forked client process and the answers it owes. */
class ClientProcess<Spec, Batch, Settings> {
  readonly child: ChildProcess;
  done = 0;
  private readonly waiting = new Map<string, (m: FromClient<Batch> | null) => void>();

  constructor(module: string, settings: Settings, onBatch: (batch: Batch) => void) {
    this.child = fork(module, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromClient<Batch>) => {
      if (m.type === 'batch') onBatch(m.batch);
      else if (m.type === 'progress') this.done = m.done;
      else this.answer(m.type === 'flushed' ? `flushed ${m.id}` : m.type, m);
    });
    // A process that dies owes nothing more: whoever waits gets null.
    this.child.on('exit', () => {
      for (const resolve of this.waiting.values()) resolve(null);
      this.waiting.clear();
    });
    this.send({ type: 'setup', settings });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a command and waits for the answer named `answer`, or null if the process is gone. */
  ask(command: ToClient<Spec, Settings>, answer: string): Promise<FromClient<Batch> | null> {
    if (!this.alive || !this.child.connected) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting.set(answer, resolve);
      this.send(command);
    });
  }

  private answer(name: string, m: FromClient<Batch>): void {
    this.waiting.get(name)?.(m);
    this.waiting.delete(name);
  }

  private send(command: ToClient<Spec, Settings>): void {
    if (this.child.connected) this.child.send(command);
  }
}

export class ClientPool<M extends AnyModule> {
  private readonly processes: ClientProcess<SpecOf<M>, BatchOf<M>, SettingsOf<M>>[];
  private flushes = 0;
  private readonly killAll = () => {
    for (const p of this.processes) if (p.alive) p.child.kill('SIGKILL');
  };

  /** Forks the client processes of `module` (a file that calls serveConnections). */
  constructor(module: URL, options: PoolOptions<M>) {
    const file = fileURLToPath(module);
    this.processes = Array.from({ length: Math.max(1, options.processes) }, () => new ClientProcess(file, options.settings, (b: BatchOf<M>) => options.onBatch(b)));
    process.once('exit', this.killAll);
  }

  get pids(): number[] {
    return this.processes.map((p) => p.child.pid!);
  }

  /** Opens one connection per spec, spec i in process i mod N; waits until every one opened or failed. */
  async open(specs: SpecOf<M>[], options: OpenOptions): Promise<Opened<SpecOf<M>>> {
    const n = this.processes.length;
    const shares = this.processes.map((_, p) => specs.filter((_, i) => i % n === p));
    const t0 = performance.now();
    for (const p of this.processes) p.done = 0;
    const ticker = options.progress
      ? setInterval(
          () =>
            options.progress!(
              this.processes.reduce((s, p) => s + p.done, 0),
              specs.length,
            ),
          options.progressEveryMs ?? 2_000,
        )
      : undefined;
    try {
      const answers = await Promise.all(this.processes.map((p, i) => p.ask({ type: 'open', specs: shares[i]!, concurrency: options.concurrency }, 'opened')));
      const result: Opened<SpecOf<M>> = { opened: 0, failed: [], errors: [], seconds: (performance.now() - t0) / 1000 };
      answers.forEach((answer, p) => {
        const share = shares[p]!;
        if (answer?.type !== 'opened') {
          result.failed.push(...share);
          if (share.length) result.errors.push({ spec: share[0]!, message: 'client process exited' });
          return;
        }
        result.opened += share.length - answer.failed.length;
        result.failed.push(...answer.failed.map((i) => share[i]!));
        result.errors.push(...answer.errors.map(([i, message]) => ({ spec: share[i]!, message })));
      });
      return result;
    } finally {
      clearInterval(ticker);
    }
  }

  /** Resolves once every batch gathered so far has reached onBatch. */
  async flush(): Promise<void> {
    const id = ++this.flushes;
    await Promise.all(this.processes.map((p) => p.ask({ type: 'flush', id }, `flushed ${id}`)));
  }

  /**
   * Closes every connection (the processes stay, for the next open); their last batches reach
   * onBatch first. Returns how many connections were lost since they opened, and why the first
   * of them ended.
   */
  async close(): Promise<{ lost: number; why: string[] }> {
    const answers = await Promise.all(this.processes.map((p) => p.ask({ type: 'close' }, 'closed')));
    const closed = answers.flatMap((a) => (a?.type === 'closed' ? [a] : []));
    return { lost: closed.reduce((s, a) => s + a.lost, 0), why: closed.flatMap((a) => a.why) };
  }

  /** Ends the processes: they exit when their IPC channel closes; any still there after `graceMs` is killed. */
  async stop(graceMs = 5_000): Promise<void> {
    process.removeListener('exit', this.killAll);
    await Promise.all(
      this.processes.map(async (p) => {
        if (!p.alive) return;
        const exited = new Promise((resolve) => p.child.once('exit', resolve));
        if (p.child.connected) p.child.disconnect();
        const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
