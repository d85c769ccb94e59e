// `npm start` itself (scripts/start.mjs), on ports, a database, a Redis prefix and RabbitMQ names
// of its own, judged by clients we did not write: it starts with no HAProxy alert; a client
// generated from the OTUS OpenAPI by @hey-api/openapi-ts works through HAProxy at its defaults;
// it restarts a gateway killed with SIGKILL while the rest keep running; readers through HAProxy
// get every answer while a core is killed with SIGKILL; a follower's FeedClient misses and
// repeats no post across the kill of every gateway; Ctrl-C (SIGINT) leaves no process behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient as generateClient } from '@hey-api/openapi-ts';
import { FeedClient, type FeedEvent, type FeedStatus } from '@feed/client';
import { nodeWebSocket } from '@feed/client/node';
import { topology } from '@feed/contracts';
import { Client } from '../core/test/client.ts';
import { freePort, waitFor } from './support/ports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tag = randomBytes(4).toString('hex');
const database = new URL(inject('databaseUrl'));
database.pathname = `/feed_stack_${tag}`;
const redisPrefix = `${inject('redisPrefix')}stack${tag}:`;
const amqpPrefix = `test.stack.${tag}.`;
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

let runDir: string;
let start: ChildProcess;
let output = '';
let ports: { app: number; tls: number; stats: number; core: number; gateway: number };

/** Whether nothing listens on `port` right now. */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Two free ports in a row (npm start gives gateway i the port GATEWAY_PORT + i, and core i CORE_PORT + i). */
async function freePair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (await portFree(port + 1)) return port;
  }
}

/** Every process below `pid`, from ps. */
function descendants(pid: number): number[] {
  const table = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table)
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The supervised process whose environment names it (GATEWAY_ID=gw1, a core's PORT), or whose command is `match`. */
function processOf(match: { gateway?: string; corePort?: number; command?: string }): number | undefined {
  for (const pid of descendants(start.pid!)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (match.command && cmdline.includes(match.command)) return pid;
      const environ = () => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (match.gateway && cmdline.includes('gateway/src/main.ts') && environ().includes(`GATEWAY_ID=${match.gateway}`)) return pid;
      if (match.corePort && cmdline.includes('core/src/main.ts') && environ().includes(`PORT=${match.corePort}`)) return pid;
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

/** The stats page's credentials npm start drew, and the Basic header that carries them. */
function statsCredentials(): { user: string; password: string; authorization: string } {
  const { user, password } = JSON.parse(readFileSync(path.join(runDir, 'stats.json'), 'utf8')) as { user: string; password: string };
  return { user, password, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** A token of the demo account npm start made, signed in through HAProxy. */
async function demoToken(): Promise<{ userId: string; token: string }> {
  const demo = JSON.parse(readFileSync(path.join(runDir, 'demo.json'), 'utf8')) as { userId: string; password: string };
  const login = await fetch(`http://127.0.0.1:${ports.app}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: demo.userId, password: demo.password }) });
  return { userId: demo.userId, token: ((await login.json()) as { token: string }).token };
}

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What a generated SDK call answers (@hey-api/openapi-ts's fetch client). */
interface Answer<T> {
  data?: T;
  error?: { message?: string };
  response: Response;
}
type Call<Options, T = unknown> = (options: Options) => Promise<Answer<T>>;
type Path<Name extends string> = { path: Record<Name, string> };
/** The generated SDK's functions this file calls, under the names the generator gives them; generated at run time, so typed here. */
interface GeneratedSdk {
  postUserRegister: Call<{ body: Record<string, string> }, { user_id?: string }>;
  postLogin: Call<{ body: { id: string; password: string } }, { token?: string }>;
  getUserGetById: Call<Path<'id'>>;
  getUserSearch: Call<{ query: { first_name: string; last_name: string } }, unknown[]>;
  putFriendSetByUserId: Call<Path<'user_id'>>;
  putFriendDeleteByUserId: Call<Path<'user_id'>>;
  postPostCreate: Call<{ body: { text: string } }>;
  putPostUpdate: Call<{ body: { id: string; text: string } }>;
  putPostDeleteById: Call<Path<'id'>>;
  getPostGetById: Call<Path<'id'>>;
  getPostFeed: (options?: { query: { offset: number; limit: number } }) => Promise<Answer<unknown>>;
  postDialogByUserIdSend: Call<Path<'user_id'> & { body: { text: string } }>;
}
interface GeneratedClient {
  setConfig(config: { baseUrl: string; auth: () => string }): void;
}

beforeAll(async () => {
  runDir = mkdtempSync(path.join(tmpdir(), 'feed-stack-'));
  const gateway = await freePair();
  const core = await freePair();
  ports = { app: await freePort(), tls: await freePort(), stats: await freePort(), core, gateway };
  start = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.toString(),
      REDIS_PREFIX: redisPrefix,
      AMQP_URL,
      AMQP_PREFIX: amqpPrefix,
      APP_PORT: String(ports.app),
      APP_TLS_PORT: String(ports.tls),
      STATS_PORT: String(ports.stats),
      CORE_PORT: String(ports.core),
      GATEWAY_PORT: String(ports.gateway),
      GATEWAYS: '2',
      GATEWAY_RUNTIME: 'mixed',
      STACK_RUN_DIR: runDir,
      STATIC_DIR: '/nonexistent-spa-build',
      HAPROXY_TLS_CERT: '',
      HAPROXY_STATS_PASSWORD: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  start.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  await waitFor('npm start to be up', async () => output.includes('The live feed is up.') || start.exitCode !== null, 150_000, 200);
  if (start.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null && start.signalCode === null) {
    const leftovers = descendants(start.pid!);
    const exited = new Promise((r) => start.once('exit', r));
    start.kill('SIGKILL');
    await exited;
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (runDir) rmSync(runDir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database.pathname.slice(1)} WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(inject('redisUrl'));
  for await (const keys of redis.scanStream({ match: `${redisPrefix}*`, count: 1000 }) as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  await redis.quit();
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  const names = topology(amqpPrefix);
  for (const q of [names.fanoutQueue, names.deadLetterQueue, names.gatewayQueue('gw1'), names.gatewayQueue('gw2')]) await ch.deleteQueue(q).catch(() => {});
  for (const x of [names.domainExchange, names.gatewayExchange, names.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {});
  await conn.close().catch(() => {});
}, 60_000);

describe('npm start', () => {
  it('starts HAProxy once its servers answer: no alert, and every gateway on its runtime', async () => {
    expect(output).not.toMatch(/ALERT/);
    expect(output).toContain('gw1 on node');
    expect(output).toContain('gw2 on deno');
    expect((await health(`http://127.0.0.1:${ports.gateway}/health`)).body).toMatchObject({ gateway: 'gw1', runtime: 'node' });
    expect((await health(`http://127.0.0.1:${ports.gateway + 1}/health`)).body).toMatchObject({ gateway: 'gw2', runtime: 'deno' });
    // The stats page asks for the credentials npm start drew and printed.
    const stats = statsCredentials();
    expect(output).toContain(`user ${stats.user}, password ${stats.password}`);
    expect((await fetch(`http://127.0.0.1:${ports.stats}/stats`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${ports.stats}/stats`, { headers: { authorization: stats.authorization } })).status).toBe(200);
  });

  it('restarts a gateway killed with SIGKILL, and the rest keep running', async () => {
    const victim = processOf({ gateway: 'gw1' })!;
    const others = {
      core1: processOf({ corePort: ports.core })!,
      core2: processOf({ corePort: ports.core + 1 })!,
      worker: processOf({ command: 'core/src/worker.ts' })!,
      gw2: processOf({ gateway: 'gw2' })!,
      haproxy: processOf({ command: 'haproxy' })!,
    };
    expect(victim).toBeDefined();
    for (const [name, pid] of Object.entries(others)) expect(pid, name).toBeDefined();

    process.kill(victim, 'SIGKILL');
    await waitFor('the supervisor to log the exit', async () => output.includes('[gw1] exited (signal SIGKILL); restarting in 0.1 s'));
    const again = await waitFor(
      'gw1 to answer again',
      async () => {
        const pid = processOf({ gateway: 'gw1' });
        if (!pid || pid === victim) return undefined;
        return (await health(`http://127.0.0.1:${ports.gateway}/health`).catch(() => ({ status: 0 }))).status === 200 ? pid : undefined;
      },
      60_000,
      200,
    );
    expect(again).not.toBe(victim);
    expect(output).toMatch(/\[gw1\] restarted \(pid \d+, restart 1\)/);
    for (const [name, pid] of Object.entries(others)) expect(alive(pid), name).toBe(true);
    expect(output).not.toMatch(/\[(core\d|worker|gw2|haproxy)\] exited/);

    // Through HAProxy, core's cluster view sees both gateways again, each on its runtime.
    const app = `http://127.0.0.1:${ports.app}`;
    const { token } = await demoToken();
    await waitFor('the cluster view to show both gateways reachable', async () => {
      const cluster = (await (await fetch(`${app}/cluster`, { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string; reachable: boolean; runtime: string }[];
      const view = cluster.map(({ id, reachable, runtime }) => ({ id, reachable, runtime }));
      return (
        JSON.stringify(view) ===
        JSON.stringify([
          { id: 'gw1', reachable: true, runtime: 'node' },
          { id: 'gw2', reachable: true, runtime: 'deno' },
        ])
      );
    });
  });

  it('answers every read through HAProxy while a core is killed with SIGKILL and restarted', async () => {
    const app = `http://127.0.0.1:${ports.app}`;
    const { userId, token } = await demoToken();
    const { authorization } = statsCredentials();
    /** core1's state on HAProxy's stats page (its CSV export): UP, DOWN, … */
    const core1State = async () => {
      const csv = await (await fetch(`http://127.0.0.1:${ports.stats}/stats;csv`, { headers: { authorization } })).text();
      const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
      const status = header!.split(',').indexOf('status');
      return rows.map((r) => r.split(',')).find((r) => r[0] === 'core' && r[1] === 'core1')?.[status];
    };

    // Four readers on kept-alive connections, as a page's parallel fetches are, for the whole kill.
    const answers: string[] = [];
    let reading = true;
    const reader = async () => {
      for (let i = 0; reading; i++) {
        const url = i % 2 ? `${app}/user/get/${userId}` : `${app}/post/feed?offset=0&limit=10`;
        try {
          const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          await res.arrayBuffer();
          answers.push(String(res.status));
        } catch (err) {
          answers.push(`${url}: ${String((err as Error).cause ?? err)}`);
        }
      }
    };
    const readers = Array.from({ length: 4 }, reader);
    try {
      await waitFor('the readers to be answered', async () => answers.length >= 20);

      const victim = processOf({ corePort: ports.core })!;
      expect(victim).toBeDefined();
      process.kill(victim, 'SIGKILL');
      await waitFor('the supervisor to log the exit', async () => output.includes('[core1] exited (signal SIGKILL)'));
      await waitFor(
        'core1 to answer again',
        async () => {
          const pid = processOf({ corePort: ports.core });
          return pid !== undefined && pid !== victim && (await health(`http://127.0.0.1:${ports.core}/health`).catch(() => ({ status: 0 }))).status === 200;
        },
        60_000,
        200,
      );
      await waitFor('HAProxy to send to core1 again', async () => (await core1State()) === 'UP', 60_000, 200);
      const after = answers.length;
      await waitFor('reads after core1 is back', async () => answers.length >= after + 20);
    } finally {
      reading = false;
      await Promise.all(readers);
    }

    expect(answers.filter((a) => a !== '200')).toEqual([]);
    expect(output).toMatch(/\[core1\] restarted \(pid \d+, restart 1\)/);
  });

  it('serves a client generated from the OTUS OpenAPI (@hey-api/openapi-ts) through HAProxy, at its defaults', async () => {
    // Generated here from the vendored contract, as a team adopting the API would, and used as its README says.
    const out = path.join(runDir, 'otus-sdk');
    await generateClient({ input: path.join(ROOT, 'contracts/otus/openapi.json'), output: { path: out }, logs: { level: 'silent' } });
    const sdk: GeneratedSdk = await import(pathToFileURL(path.join(out, 'index.ts')).href);
    const { client }: { client: GeneratedClient } = await import(pathToFileURL(path.join(out, 'client.gen.ts')).href);
    let token = '';
    client.setConfig({ baseUrl: `http://127.0.0.1:${ports.app}`, auth: () => token });

    const profile = (first_name: string) => ({ first_name, second_name: 'Генерированный', birthdate: '1990-01-02', biography: 'из OpenAPI', city: 'Москва' });
    const ada = await sdk.postUserRegister({ body: { ...profile('Ада'), password: 'ada-password' } });
    const bob = await sdk.postUserRegister({ body: { ...profile('Боб'), password: 'bob-password' } });
    expect([ada.response.status, bob.response.status]).toEqual([200, 200]);
    const [adaId, bobId] = [ada.data!.user_id!, bob.data!.user_id!];
    const bobLogin = await sdk.postLogin({ body: { id: bobId, password: 'bob-password' } });
    expect(bobLogin.response.status).toBe(200);
    const adaLogin = await sdk.postLogin({ body: { id: adaId, password: 'ada-password' } });
    token = adaLogin.data!.token!;

    expect((await sdk.getUserGetById({ path: { id: bobId } })).data).toEqual({ id: bobId, ...profile('Боб') });
    expect((await sdk.getUserSearch({ query: { first_name: 'Бо', last_name: 'Генерир' } })).data).toContainEqual({ id: bobId, ...profile('Боб') });
    expect((await sdk.putFriendSetByUserId({ path: { user_id: bobId } })).response.status).toBe(200);

    token = bobLogin.data!.token!;
    const created = await sdk.postPostCreate({ body: { text: 'написано сгенерированным клиентом' } });
    expect(created.response.status).toBe(200);
    const postId = String(created.data);
    expect((await sdk.putPostUpdate({ body: { id: postId, text: 'исправлено' } })).response.status).toBe(200);
    expect((await sdk.getPostGetById({ path: { id: postId } })).data).toEqual({ id: postId, text: 'исправлено', author_user_id: bobId });

    token = adaLogin.data!.token!;
    const post = { id: postId, text: 'исправлено', author_user_id: bobId };
    await waitFor('the post in the follower’s feed', async () => JSON.stringify((await sdk.getPostFeed({ query: { offset: 0, limit: 10 } })).data) === JSON.stringify([post]));
    expect((await sdk.getPostFeed()).data).toEqual([post]);
    // Dialogs are outside this project's scope: a clear 404, not a 5xx.
    const dialog = await sdk.postDialogByUserIdSend({ path: { user_id: bobId }, body: { text: 'привет' } });
    expect(dialog.response.status).toBe(404);
    expect(dialog.error).toMatchObject({ message: `no route for POST /dialog/${bobId}/send` });

    token = bobLogin.data!.token!;
    expect((await sdk.putPostDeleteById({ path: { id: postId } })).response.status).toBe(200);
    const gone = await sdk.getPostGetById({ path: { id: postId } });
    expect([gone.response.status, gone.error]).toEqual([404, expect.objectContaining({ message: `post ${postId} not found` })]);
    token = adaLogin.data!.token!;
    expect((await sdk.putFriendDeleteByUserId({ path: { user_id: bobId } })).response.status).toBe(200);
    expect((await sdk.putFriendSetByUserId({ path: { user_id: adaId } })).response.status).toBe(400);
  });

  it('a follower’s FeedClient through HAProxy gets every post once when every gateway is killed with SIGKILL', async () => {
    const app = `http://127.0.0.1:${ports.app}`;
    const anon = new Client(app);
    const author = await anon.signUp({ first_name: 'author', second_name: 'Kill' });
    const follower = await anon.signUp({ first_name: 'follower', second_name: 'Kill' });
    expect((await follower.put(`/friend/set/${author.userId}`)).status).toBe(200);
    const post = async (text: string) => String((await author.post('/post/create', { text })).body);

    const events: FeedEvent[] = [];
    const states: FeedStatus['state'][] = [];
    const client = new FeedClient({ url: app, token: follower.token!, webSocket: nodeWebSocket, onEvent: (e) => events.push(e), onStatus: (s) => states.push(s.state) });
    client.start();
    try {
      await waitFor('the stream to open', async () => states.at(-1) === 'open', 30_000);
      const sent = [await post('before the kill')];
      await waitFor('the first post live', async () => events.length === 1, 30_000);

      const victims = [processOf({ gateway: 'gw1' })!, processOf({ gateway: 'gw2' })!];
      for (const pid of victims) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 5; i++) sent.push(await post(`while the gateways restart ${i}`));
      await waitFor('the client to notice', async () => states.includes('reconnecting'), 30_000);
      sent.push(await post('after the kill'));
      await waitFor('every post live', async () => events.length >= sent.length && states.at(-1) === 'open', 60_000, 100);
      // A marker after the last post: whatever a duplicate would be has arrived before it.
      sent.push(await post('marker'));
      await waitFor('the marker', async () => events.some((e) => e.type === 'post.created' && e.data.text === 'marker'), 30_000);
      expect(events.map((e) => (e.type === 'post.created' ? e.data.id : e.type))).toEqual(sent);
    } finally {
      client.stop();
    }
  });

  it('stops every process on SIGINT', async () => {
    const processes = descendants(start.pid!);
    expect(processes.length).toBeGreaterThanOrEqual(6); // stack, core, worker, two gateways, HAProxy
    const exited = new Promise<number | null>((r) => start.once('exit', (code) => r(code)));
    start.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping…');
    await waitFor('every process to be gone', async () => processes.every((pid) => !alive(pid)), 30_000, 100).catch(() => {});
    expect(processes.filter(alive)).toEqual([]);
  }, 60_000);
});
