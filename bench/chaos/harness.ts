// Steady load on a chaos stack: the people, the clients (forked processes holding one stream
// per user through HAProxy, reconnecting and resuming by themselves), a poster at a steady rate
// through HAProxy, and the ledger. The chaos run and the soak run both drive it.
import { randomBytes } from 'node:crypto';
import { ClientPool } from '../client-pool.ts';
import { signTokens } from '../load/graph.ts';
import { now } from '../clock.ts';
import { seededRandom } from '../random.ts';
import { createPost } from '../load/poster.ts';
import type { ChaosConn, ClientSettings, StreamEvent, chaosClients } from './client.ts';
import { Ledger } from '../ledger.ts';
import { createPeople, type People } from './people.ts';
import { ChaosStack } from './stack.ts';

const CLIENT = new URL('./client.ts', import.meta.url);

export interface LoadSettings {
  adminUrl: string;
  database: string;
  clients: number;
  follows: number;
  /** Followers of the big author besides the clients (who all follow it). */
  bigFollowers: number;
  gateways: number;
  postsPerSecond: number;
  sseShare: number;
  clientsPerProcess: number;
  env?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  /** The stack's Redis: one private redis-server (default) or a private Redis Cluster. */
  redis?: 'single' | 'cluster';
  backoff?: Partial<ClientSettings>;
  log: (line: string) => void;
}

export interface Harness {
  stack: ChaosStack;
  people: People;
  ledger: Ledger;
  tokens: Map<number, string>;
  /** Every stream event (down, up, reset, refetch) in arrival order. */
  streamEvents: StreamEvent[];
  /** Users whose stream is down right now. */
  down: Set<number>;
  postStats: { sent: number; failed: number; errors: Map<string, number> };
  /** Posts by the big author (thousands of followers), entered in the ledger; resolves with its id. */
  postBig(text?: string): Promise<number>;
  stopPosting(): Promise<void>;
  /** Waits until every stream is up; returns the time it took. */
  waitAllUp(timeoutMs?: number): Promise<number>;
  /** Waits until nothing sent before now is owed (or the timeout); returns what is still owed. */
  waitSettled(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(s: LoadSettings): Promise<Harness> {
  const jwtSecret = randomBytes(32).toString('hex');
  const stack = await ChaosStack.start({ adminUrl: s.adminUrl, database: s.database, gateways: s.gateways, jwtSecret, env: s.env, gatewayEnv: s.gatewayEnv, redis: s.redis, log: s.log });
  let clients: ClientPool<typeof chaosClients> | undefined;
  let posting: Promise<void> | undefined;
  let stopPosting = false;
  try {
    const people = await createPeople(stack.databaseUrl, { clients: s.clients, follows: s.follows, bigFollowers: s.bigFollowers });
    const tokens = await signTokens([...people.clients, people.bigAuthor], jwtSecret);
    s.log(`  stack up: core, worker, ${s.gateways} gateways, HAProxy ${stack.haproxyUrl}, redis :${stack.redisPort}, rabbit ${stack.rabbit.name}; ${people.clients.length} clients, big author with ${people.bigFollowerCount} followers`);
    const ledger = new Ledger();
    const streamEvents: StreamEvent[] = [];
    const down = new Set<number>();
    const conns: ChaosConn[] = people.clients.map((userId, i) => ({ userId, token: tokens.get(userId)!, kind: (i * 7919) % 1000 < s.sseShare * 1000 ? 'sse' : 'ws' }));
    const settings: ClientSettings = { baseUrl: stack.haproxyUrl, backoffBaseMs: 250, backoffCapMs: 5_000, drainJitterMs: 1_000, openTimeoutMs: 10_000, ...s.backoff };
    clients = new ClientPool<typeof chaosClients>(CLIENT, {
      processes: Math.ceil(conns.length / s.clientsPerProcess),
      settings,
      onBatch: (batch) => {
        ledger.receipts(batch.receipts);
        for (const e of batch.events) {
          streamEvents.push(e);
          if (e.e === 'down') down.add(e.u);
          else if (e.e === 'up') down.delete(e.u);
        }
      },
    });
    const opened = await clients.open(conns, { concurrency: 10 });
    const ok = opened.opened;
    if (ok !== conns.length)
      throw new Error(
        `only ${ok}/${conns.length} streams opened: ${opened.errors
          .map((e) => `${e.spec.kind} ${e.spec.userId}: ${e.message}`)
          .slice(0, 3)
          .join('; ')}`,
      );
    s.log(`  ${ok} streams open (${conns.filter((c) => c.kind === 'sse').length} SSE), through HAProxy`);

    // The poster: a steady rate, authors at random among the clients with followers.
    const authors = people.clients.filter((id) => people.followersOf.get(id)!.length > 0);
    const postStats = { sent: 0, failed: 0, errors: new Map<string, number>() };
    const inFlight = new Set<Promise<void>>();
    const fail = (err: Error) => {
      postStats.failed++;
      const key = err.message.slice(0, 80);
      postStats.errors.set(key, (postStats.errors.get(key) ?? 0) + 1);
    };
    const postAs = (author: number, text: string): Promise<number> => {
      const sentAt = now();
      const recipients = people.followersOf.get(author)!;
      return createPost(stack.haproxyUrl, tokens.get(author)!, text).then((id) => {
        ledger.expect(id, author, sentAt, recipients);
        postStats.sent++;
        return id;
      });
    };
    const rand = seededRandom(12345);
    posting = (async () => {
      const started = now();
      for (let i = 0; !stopPosting; i++) {
        const wait = started + (i * 1000) / s.postsPerSecond - now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (stopPosting) break;
        const author = authors[Math.floor(rand() * authors.length)]!;
        const work = postAs(author, `chaos ${i} from ${author}`).then(() => {}, fail);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      }
      await Promise.all(inFlight);
    })();
    // Warm-up: every client has an event id before any fault (a stream that never received
    // anything has no id to resume from; the client would then refetch, which we want rare).
    await new Promise((r) => setTimeout(r, 3000));

    return {
      stack,
      people,
      ledger,
      tokens,
      streamEvents,
      down,
      postStats,
      postBig: (text = 'big fan-out') => postAs(people.bigAuthor, text),
      async stopPosting() {
        stopPosting = true;
        await posting;
      },
      async waitAllUp(timeoutMs = 60_000) {
        const t0 = Date.now();
        while (down.size > 0 && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 50));
        if (down.size > 0) throw new Error(`${down.size} streams still down after ${timeoutMs} ms`);
        return Date.now() - t0;
      },
      async waitSettled(timeoutMs = 30_000) {
        const t = now();
        const deadline = Date.now() + timeoutMs;
        let owed = ledger.outstandingBefore(t);
        while (owed > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          owed = ledger.outstandingBefore(t);
        }
        return owed;
      },
      async close() {
        stopPosting = true;
        await posting?.catch(() => {});
        await clients?.close();
        await clients?.stop();
        await stack.close();
      },
    };
  } catch (err) {
    stopPosting = true;
    await posting?.catch(() => {});
    await clients?.stop();
    await stack.close();
    throw err;
  }
}
