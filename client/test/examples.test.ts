// The examples docs/stream.md shows, run as a user would run them against a real gateway: the
// Node one with tsx, the Deno one with Deno (type-checked by Deno first), over WebSocket, and
// the Deno one again behind a proxy that refuses WebSocket, so it falls back to SSE over fetch.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { denoBinary, online, startGateway, type Gateway } from '../../gateway/test/harness.ts';
import { waitFor } from '../../test/support/ports.ts';
import { createPost, pair, webSocketBlocker } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DENO_RUN = ['run', '--no-prompt', '--allow-net', '--allow-env', '--allow-read'];

let p: Pipeline;
let gw: Gateway;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  gw = await startGateway(p);
}, 90_000);

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await p?.close();
});

/** Runs an example until it printed the post, then stops it with SIGTERM; returns what it printed. */
async function follow(command: [string, string[]], url: string, transport: 'websocket' | 'sse') {
  const { author, reader } = await pair(p);
  const child = spawn(command[0], command[1], { cwd: ROOT, env: { ...process.env, FEED_URL: url, FEED_TOKEN: reader.token! }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(`the example to open over ${transport} (stderr: ${err})`, async () => err.includes(`stream open ${transport}`), 30_000);
    await online(p, reader.userId, gw);
    await reader.put(`/friend/set/${author.userId}`);
    // Whole lines only: a chunk of stdout may end in the middle of one.
    const lines = () => out.split('\n').slice(0, -1);
    // The follow notice first: it and the post may be fanned out in either order.
    await waitFor('the follow notice', async () => lines().some((line) => line.includes('"type":"friend.followed"')));
    const post = await createPost(author, `to the ${command[0].includes('deno') ? 'Deno' : 'Node'} example`);
    await waitFor(`the post in the example's output (${out})`, async () => lines().some((line) => line.includes(`"id":"${post}"`)));
    const events = lines().map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(['friend.followed', 'post.created']);
    expect(events[1]).toMatchObject({ type: 'post.created', data: { id: post, author_user_id: author.userId } });
  } finally {
    process.kill(child.pid!, 'SIGTERM');
  }
  expect(await exited).toBe(0);
}

describe('the documented examples', () => {
  it('Node: follows the feed over WebSocket with a Bearer header', async () => {
    await follow([process.execPath, ['--import', 'tsx', 'client/examples/node.ts']], gw.httpUrl, 'websocket');
  });

  it('Deno: the SDK type-checks under Deno and follows the feed over Deno’s own WebSocket', async () => {
    const check = spawn(denoBinary(), ['check', 'client/examples/deno.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    check.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    expect(await new Promise((resolve) => check.once('exit', resolve)), output).toBe(0);
    await follow([denoBinary(), [...DENO_RUN, 'client/examples/deno.ts']], gw.httpUrl, 'websocket');
  });

  it('Deno: falls back to SSE over fetch where WebSocket is refused', async () => {
    const blocker = await webSocketBlocker(gw.httpUrl);
    try {
      await follow([denoBinary(), [...DENO_RUN, 'client/examples/deno.ts']], blocker.url, 'sse');
      expect(blocker.upgradesRefused()).toBeGreaterThan(0);
    } finally {
      await blocker.close();
    }
  });
});
