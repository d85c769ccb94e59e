// How every service reaches Redis: one node (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES,
// ioredis `Cluster`), behind one type. The key layout (keys.ts) is the same in both modes: the
// hash tags that keep a user's keys in one cluster slot mean nothing to a single node.
//
// What a cluster changes for callers, and where this module handles it:
// - A pipeline goes to one node: ioredis refuses a pipeline whose keys' slots belong to
//   different masters. `pipelined` splits commands by the master owning their slot.
// - A script (and any multi-key command) may only touch one slot's keys, or the server answers
//   CROSSSLOT: callers group by `slotOf` before building a call (fanout.ts).
// - Keyless commands (SCAN, SCRIPT LOAD, INFO) reach a random node: `masters` lists them all.
// - Reads stay on masters (ioredis `scaleReads: 'master'`, its default): a replica lags, and the
//   feed and the event log must read what the worker just wrote.
// - Replication is asynchronous: a write acknowledged by a master that dies before its replica
//   got it is gone after the failover. Writes that must survive one (fan-out) ask for WAIT.
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ChainableCommander } from 'ioredis';
import { backoffDelay, parseClusterNodes } from '@feed/contracts';
import { results } from './script.ts';

/** One Redis node or a Redis Cluster: the command API the cache modules use is the same. */
export type RedisClient = Redis | Cluster;

export interface RedisSettings {
  /** The single node, when `clusterNodes` is empty. */
  url: string;
  /**
   * Seed nodes of a Redis Cluster, `host:port` comma-separated (any subset of the nodes does:
   * the client learns the rest from CLUSTER SLOTS). Empty: single-node mode.
   */
  clusterNodes?: string;
}

/** Reconnect backoff: from 50 ms, capped at 2 s (ioredis counts attempts from 1). */
const backoff = (attempt: number) => backoffDelay(attempt, { baseMs: 50, capMs: 2_000 });

/**
 * A client as every service uses it: commands wait while Redis reconnects (backoff above)
 * instead of failing at once, up to three retries. With cluster nodes set, an ioredis Cluster:
 * it follows MOVED/ASK redirections (resharding), refreshes the slot map every 5 s and after a
 * redirection (a failover moves slots to the promoted replica), and retries commands that hit
 * CLUSTERDOWN or TRYAGAIN.
 */
export function connectRedis(settings: string | RedisSettings, onError: (err: Error) => void): RedisClient {
  const s = typeof settings === 'string' ? { url: settings } : settings;
  const nodes = parseClusterNodes(s.clusterNodes ?? '');
  const client: RedisClient =
    nodes.length > 0
      ? new Cluster(nodes, {
          scaleReads: 'master',
          clusterRetryStrategy: backoff,
          // A failover takes node-timeout + an election; commands wait through it rather than fail.
          retryDelayOnFailover: 200,
          retryDelayOnClusterDown: 200,
          retryDelayOnMoved: 50,
          slotsRefreshInterval: 5_000,
          redisOptions: { maxRetriesPerRequest: 3 },
        })
      : new Redis(s.url, { maxRetriesPerRequest: 3, retryStrategy: backoff });
  client.on('error', onError);
  return client;
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The cluster hash slot of a key (0 on a single node, where slots mean nothing). */
export function slotOf(client: RedisClient, key: string): number {
  return isCluster(client) ? calculateSlot(key) : 0;
}

/**
 * Users (as indexes) grouped into script calls for a script that touches each user's keys: the
 * same slot within a call (a script may only touch one slot's keys on a cluster), at most
 * `perCall` users per call. On a single node every key is "slot 0": calls of `perCall` in order.
 */
export function callsBySlot(userIds: readonly string[], slot: (userId: string) => number, perCall: number): number[][] {
  const open = new Map<number, number[]>();
  const calls: number[][] = [];
  userIds.forEach((userId, i) => {
    const s = slot(userId);
    let call = open.get(s);
    if (!call || call.length >= perCall) {
      call = [];
      open.set(s, call);
      calls.push(call);
    }
    call.push(i);
  });
  return calls;
}

/**
 * The master nodes as plain connections, for keyless commands that must reach each (SCAN,
 * SCRIPT LOAD, INFO); on a single node, the client itself.
 */
export async function masters(client: RedisClient): Promise<Redis[]> {
  if (!isCluster(client)) return [client];
  await ready(client);
  return client.nodes('master');
}

/** Waits until a cluster client knows the slot map. */
async function ready(cluster: Cluster): Promise<void> {
  if (cluster.slots.length > 0) return;
  if (cluster.status === 'wait') cluster.connect().catch(() => {});
  await new Promise<void>((resolve, reject) => cluster.delayUntilReady((err) => (err ? reject(err) : resolve())));
}

/** A master had fewer replicas acknowledge a write than it has: not safe to report as done yet. */
export class ReplicationLag extends Error {
  constructor(node: string, acked: number, expected: number) {
    super(`${node}: ${acked} of ${expected} replicas acknowledged the write in time`);
    this.name = 'ReplicationLag';
  }
}

export interface PipelineOptions {
  /**
   * After each node's commands, WAIT until every replica the cluster lists for that master has
   * them (at most this many ms), and throw ReplicationLag if one did not: a write confirmed this
   * way survives the master's failover. Nothing on a single node (it has no failover here).
   */
  waitForReplicasMs?: number;
}

/**
 * Errors that mean "ask again, elsewhere or a moment later" on a cluster: a slot moved (MOVED,
 * ASK: resharding, a failover), a migration in progress (TRYAGAIN), slots not served yet
 * (CLUSTERDOWN), a pipeline grouped by a slot map that changed before it ran, a node that died.
 */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b|same slots allocation group|Connection is closed|ECONNREFUSED|ECONNRESET/;
/** How long `pipelined` follows redirections itself before it gives the error to the caller. */
const REDIRECTION_BUDGET_MS = 3_000;

/**
 * Pipelines commands, one pipeline per master owning their slots (one pipeline on a single
 * node), and returns each item's replies in order; a failed command throws. `keys[i]` is the
 * key item i's commands route by (all its keys must share that key's slot); `queue` adds
 * them to the pipeline it is given. The pipelines run side by side.
 *
 * On a cluster, items whose commands were redirected are sent again after the slot map is
 * refreshed, for up to REDIRECTION_BUDGET_MS: ioredis re-sends a cluster pipeline by itself
 * only when every command got the same redirection and the rest were reads, which a pipeline
 * of writes spanning a slot being moved never is. So everything queued here must be safe to
 * run twice (the fan-out is idempotent per event key; the rest are SET, ZADD, ZREM, reads).
 */
export async function pipelined(client: RedisClient, keys: readonly string[], queue: (pipeline: ChainableCommander, index: number) => void, options: PipelineOptions = {}): Promise<unknown[][]> {
  const out: unknown[][] = new Array(keys.length);
  if (keys.length === 0) return out;
  const deadline = Date.now() + REDIRECTION_BUDGET_MS;
  let pending = keys.map((_, i) => i);
  for (;;) {
    const groups = await groupBySlotOwner(client, keys, pending);
    const redirected: number[] = [];
    let lastRedirection: Error | undefined;
    await Promise.all(
      groups.map(async (group) => {
        try {
          await runGroup(client, group, queue, options, out, redirected);
        } catch (err) {
          if (!isCluster(client) || !REDIRECTED.test((err as Error).message)) throw err;
          lastRedirection = err as Error;
          redirected.push(...group.indexes);
        }
      }),
    );
    if (redirected.length === 0) return out;
    if (Date.now() > deadline) throw lastRedirection ?? new Error('redirected past the retry budget');
    await refreshSlots(client as Cluster);
    pending = redirected;
  }
}

async function runGroup(client: RedisClient, { indexes, replicas, node }: SlotGroup, queue: (pipeline: ChainableCommander, index: number) => void, options: PipelineOptions, out: unknown[][], redirected: number[]): Promise<void> {
  const pipeline = client.pipeline();
  const counts: number[] = [];
  for (const i of indexes) {
    const before = pipeline.length;
    queue(pipeline, i);
    counts.push(pipeline.length - before);
  }
  const wait = options.waitForReplicasMs !== undefined && replicas > 0;
  if (wait) pipeline.wait(replicas, options.waitForReplicasMs!);
  const replies = (await pipeline.exec()) ?? [];
  let at = 0;
  indexes.forEach((item, n) => {
    const mine = replies.slice(at, at + counts[n]!);
    at += counts[n]!;
    const err = mine.find(([e]) => e)?.[0];
    if (err && isCluster(client) && REDIRECTED.test(err.message)) redirected.push(item);
    else if (err) throw err;
    else out[item] = mine.map(([, value]) => value);
  });
  if (wait) {
    const [err, acked] = replies[at] ?? [null, 0];
    if (err) throw err;
    // Covers what this node wrote; redirected items are confirmed where they are sent again.
    if (Number(acked) < replicas) throw new ReplicationLag(node, Number(acked), replicas);
  }
}

/** Asks the cluster for its slot map now (after a redirection) and waits for the answer. */
async function refreshSlots(cluster: Cluster): Promise<void> {
  await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
  await new Promise((r) => setTimeout(r, 50));
}

interface SlotGroup {
  indexes: number[];
  /** Replicas the owning master has now (as CLUSTER SLOTS lists them: failed ones are left out). */
  replicas: number;
  node: string;
}

async function groupBySlotOwner(client: RedisClient, keys: readonly string[], indexes: readonly number[]): Promise<SlotGroup[]> {
  if (!isCluster(client)) return [{ indexes: [...indexes], replicas: 0, node: 'redis' }];
  await ready(client);
  const groups = new Map<string, SlotGroup>();
  indexes.forEach((i) => {
    const slot = calculateSlot(keys[i]!);
    const owners = client.slots[slot];
    // A slot nobody serves right now (mid-failover): its own pipeline, which ioredis holds
    // until the slot map says where it went.
    const node = owners?.[0] ?? `slot ${slot}`;
    let group = groups.get(node);
    if (!group) groups.set(node, (group = { indexes: [], replicas: owners ? owners.length - 1 : 0, node }));
    group.indexes.push(i);
  });
  return [...groups.values()];
}

/** Every key matching a pattern on every master (SCAN, so it never blocks a node). */
export async function* scanKeys(client: RedisClient, match: string, count = 1000): AsyncGenerator<string[]> {
  for (const node of await masters(client)) {
    for await (const keys of node.scanStream({ match, count }) as AsyncIterable<string[]>) if (keys.length) yield keys;
  }
}

/** Deletes every key matching a pattern (UNLINK, one key per command: keys span slots). */
export async function unlinkMatching(client: RedisClient, match: string): Promise<number> {
  let removed = 0;
  for (const node of await masters(client)) {
    for await (const keys of node.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      results(await pipeline.exec());
      removed += keys.length;
    }
  }
  return removed;
}

/**
 * Rejects when `work` has not settled within `ms`. On a cluster, ioredis holds commands for a
 * master that fails over (seconds): a caller that can do without Redis for a moment (a rate
 * limit lets the request through) must not hold an HTTP request that long.
 */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis ${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
