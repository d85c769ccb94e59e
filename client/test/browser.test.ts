// The browser example docs/stream.md shows, bundled by Vite and run in headless Chromium on a
// page of the stream's own origin (so the login cookie authenticates it, as on the app's pages):
// it follows the feed over the browser's WebSocket, and over SSE (fetch) where WebSocket is refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_COOKIE } from '@feed/contracts';
import { startPipeline, type Pipeline } from '../../core/test/pipeline.ts';
import { online, startGateway, type Gateway } from '../../gateway/test/harness.ts';
import { waitFor } from '../../test/support/ports.ts';
import { createPost, frontDoor, pair } from './support.ts';

const EXAMPLE = fileURLToPath(new URL('../examples/browser.ts', import.meta.url));
const PAGE = '<!doctype html><meta charset="utf-8"><title>feed</title><p id="status"></p><ul id="events"></ul><script type="module" src="/example.js"></script>';

let p: Pipeline;
let gw: Gateway;
let browser: Browser;
let bundle: string;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(path.join(tmpdir(), 'feed-client-example-'));
  await build({
    configFile: false,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022', lib: { entry: EXAMPLE, formats: ['es'], fileName: () => 'example.js' } },
  });
  bundle = readFileSync(path.join(outDir, 'example.js'), 'utf8');
  p = await startPipeline();
  await p.startWorker();
  gw = await startGateway(p);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop('SIGKILL');
  await p?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function follow(transport: 'websocket' | 'sse') {
  const { author, reader } = await pair(p);
  // The page, its script and the stream share one origin, as on the app's own pages.
  const files = { '/example.html': { type: 'text/html', body: PAGE }, '/example.js': { type: 'text/javascript', body: bundle } };
  const front = await frontDoor(gw.httpUrl, { files, refuseWebSocket: transport === 'sse' });
  const context = await browser.newContext();
  try {
    await context.addCookies([{ name: TOKEN_COOKIE, value: reader.token!, url: front.url, httpOnly: true }]);
    const page = await context.newPage();
    await page.goto(`${front.url}/example.html`);
    await waitFor(`the page open over ${transport}`, async () => (await page.locator('#status').textContent()) === `open ${transport}`);
    if (transport === 'sse') expect(front.upgradesRefused()).toBeGreaterThan(0);
    await online(p, reader.userId, gw);
    await reader.put(`/friend/set/${author.userId}`);
    const items = page.locator('#events li');
    // The follow notice first: it and the post may be fanned out in either order.
    await waitFor('the follow notice', async () => (await items.allTextContents()).some((t) => t.includes('"type":"friend.followed"')));
    const post = await createPost(author, `to the browser over ${transport}`);
    await waitFor('the post on the page', async () => (await items.allTextContents()).some((t) => t.includes(`"id":"${post}"`)));
    const events = (await items.allTextContents()).map((t) => JSON.parse(t));
    expect(events.map((e) => e.type)).toEqual(['friend.followed', 'post.created']);
    expect(events[1]).toMatchObject({ data: { id: post, text: `to the browser over ${transport}`, author_user_id: author.userId } });
    // The position is kept in sessionStorage: a reload resumes from it.
    expect(await page.evaluate(() => sessionStorage.getItem('feed.resume'))).toBe(events[1].id);
  } finally {
    await context.close();
    await front.close();
  }
}

describe('the documented browser example, in Chromium', () => {
  it('follows the feed over WebSocket, authenticated by the login cookie', () => follow('websocket'));
  it('falls back to SSE over fetch where WebSocket is refused', () => follow('sse'));
});
