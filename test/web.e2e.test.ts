// The SPA end to end, in headless Chromium, through HAProxy: sign up, find and follow someone,
// watch their posts arrive live over WebSocket and over SSE, survive the SIGKILL of the gateway
// holding the connection (resume, nothing missed, nothing twice), and never run post text as HTML.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../core/test/client.ts';
import { logHolds } from '../gateway/test/harness.ts';
import { startStack, type Stack } from './support/stack.ts';
import { waitFor } from './support/ports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
/** The screenshots in docs/ are tracked files: written only on request (SCREENSHOTS=1). */
const SHOOT = process.env.SCREENSHOTS === '1';
const PASSWORD = 'correct horse battery';

let stack: Stack;
let browser: Browser;
let staticDir: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // A fresh build of the SPA for this run, served by core from STATIC_DIR.
  staticDir = mkdtempSync(path.join(tmpdir(), 'feed-web-'));
  const built = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', staticDir, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: path.join(ROOT, 'web'),
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`vite build failed:\n${built.stdout}\n${built.stderr}`);
  stack = await startStack({ gateways: 2, env: { STATIC_DIR: staticDir } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await stack?.close();
  if (staticDir) rmSync(staticDir, { recursive: true, force: true });
});

async function newPage(viewport = { width: 1100, height: 820 }): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  contexts.push(context);
  const page = await context.newPage();
  // Every state the live indicator goes through, however briefly.
  await page.addInitScript(() => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    new MutationObserver(() => {
      const el = document.querySelector('.live');
      const state = el ? `${el.getAttribute('data-state')}/${el.getAttribute('data-transport')}` : null;
      if (state && w.__states.at(-1) !== state) w.__states.push(state);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-transport'] });
  });
  return page;
}

/** Logs in through the form. */
async function logIn(page: Page, userId: string): Promise<void> {
  await page.goto(`${stack.url}/login`);
  await page.getByLabel('User id').fill(userId);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Feed', level: 1 }).waitFor();
}

async function indicator(page: Page): Promise<{ state: string | null; transport: string | null }> {
  const el = page.locator('.live');
  return { state: await el.getAttribute('data-state'), transport: await el.getAttribute('data-transport') };
}

async function waitLive(page: Page, transport: 'websocket' | 'sse'): Promise<void> {
  await waitFor(
    `the page to be live over ${transport}`,
    async () => {
      const now = await indicator(page);
      return now.state === 'live' && now.transport === transport;
    },
    20_000,
    100,
  );
}

const gatewayOf = async (userId: string) => (await stack.pipeline.cache.presence.lookup([userId])).get(userId) ?? [];

async function postTexts(page: Page): Promise<string[]> {
  return page.locator('[role=feed] .post__text').allTextContents();
}

let nextName = 0;

/**
 * What most tests start from, made by each for itself so that none depends on another or on
 * their order: a new author, and a new reader who follows them, logged in on a page of their
 * own and live over WebSocket.
 */
async function readerOfNewAuthor(viewport?: { width: number; height: number }) {
  const api = new Client(stack.url);
  const n = ++nextName;
  const [author, reader] = await Promise.all([api.signUp({ first_name: 'Dora', second_name: `Writer${n}` }, PASSWORD), api.signUp({ first_name: 'Ray', second_name: `Reader${n}` }, PASSWORD)]);
  expect((await reader.put(`/friend/set/${author.userId}`)).status).toBe(200);
  const page = await newPage(viewport);
  await logIn(page, reader.userId);
  await waitLive(page, 'websocket');
  await waitFor('the reader online', async () => (await gatewayOf(reader.userId)).length > 0);
  return { author, reader, page };
}

/** A screenshot into docs/screenshots, when asked for. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (!SHOOT) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name) });
}

describe('the SPA in Chromium through HAProxy', () => {
  it('A signs up, finds B by name, follows B, and sees B’s post arrive live over WebSocket', async () => {
    const api = new Client(stack.url);
    const author = await api.signUp({ first_name: 'Beatrice', second_name: 'Quill', city: 'Lisbon' }, PASSWORD);

    const a = await newPage();
    await a.goto(`${stack.url}/`);
    await a.getByRole('link', { name: 'Create an account' }).click();
    await a.getByLabel('First name').fill('Arthur');
    await a.getByLabel('Last name').fill('Reader');
    await a.getByLabel('City').fill('Porto');
    await a.getByLabel('Password').fill(PASSWORD);
    await a.getByRole('button', { name: 'Sign up' }).click();
    await a.getByRole('heading', { name: 'Feed', level: 1 }).waitFor();
    const aId = (await a.locator('.notice strong').textContent())!.trim();
    expect(aId).toMatch(/^[1-9][0-9]*$/);
    await expect.poll(() => a.getByText('Your feed is empty').isVisible()).toBe(true);

    await a.getByRole('link', { name: 'People', exact: true }).click();
    await a.getByLabel('First name starts with').fill('Bea');
    await a.getByLabel('Last name starts with').fill('Qu');
    await a.getByRole('button', { name: 'Search' }).click();
    await a.getByRole('link', { name: 'Beatrice Quill' }).click();
    await a.getByRole('heading', { name: 'Beatrice Quill', level: 1 }).waitFor();
    await a.getByRole('button', { name: 'Follow Beatrice Quill' }).click();
    await a.getByRole('button', { name: 'Unfollow Beatrice Quill' }).waitFor();

    await a.getByRole('link', { name: 'Feed', exact: true }).click();
    await waitLive(a, 'websocket');
    await waitFor('A online in the presence registry', async () => (await gatewayOf(aId)).length > 0);

    // B writes through the UI in a second browser context.
    const b = await newPage();
    await logIn(b, author.userId);
    await b.getByLabel("What's new?").fill('Hello from Beatrice, live');
    await b.getByRole('button', { name: 'Post' }).click();
    await b.getByText('Posted.').waitFor();

    const live = a.locator('article', { hasText: 'Hello from Beatrice, live' });
    await live.waitFor({ timeout: 10_000 });
    expect(await live.getAttribute('class')).toContain('post--fresh');
    expect(await live.getByRole('link', { name: 'Beatrice Quill' }).count()).toBe(1);
    expect(await postTexts(a)).toEqual(['Hello from Beatrice, live']);
  });

  it('delivers over SSE when SSE is forced in the settings', async () => {
    const api = new Client(stack.url);
    const author = await api.signUp({ first_name: 'Sam', second_name: `Sender${++nextName}` }, PASSWORD);
    const c = await newPage();
    const reader = await api.signUp({ first_name: 'Cleo', second_name: 'Sse' }, PASSWORD);
    await reader.put(`/friend/set/${author.userId}`);
    await logIn(c, reader.userId);
    await c.getByRole('link', { name: 'Settings', exact: true }).click();
    await c.getByLabel('Server-Sent Events only').check();
    await waitLive(c, 'sse');
    expect(await c.evaluate(() => localStorage.getItem('feed.transport'))).toBe('sse');

    // The setting survives a reload.
    await c.reload();
    await waitLive(c, 'sse');
    await c.getByRole('link', { name: 'Feed', exact: true }).click();
    await waitFor('C online', async () => (await gatewayOf(reader.userId)).length > 0);

    const id = (await author.post('/post/create', { text: 'Over server-sent events' })).body as string;
    await c.locator('article', { hasText: 'Over server-sent events' }).waitFor({ timeout: 10_000 });
    expect(await c.locator(`article[data-post-id="${id}"]`).count()).toBe(1);

    // Edits and deletions apply live too.
    await author.put('/post/update', { id, text: 'Over server-sent events (edited)' });
    await c.getByText('Over server-sent events (edited)').waitFor({ timeout: 10_000 });
    await author.put(`/post/delete/${id}`);
    await waitFor('the deletion to apply', async () => (await c.locator(`article[data-post-id="${id}"]`).count()) === 0, 10_000, 100);
  });

  it('reconnects when the gateway holding A is killed, and shows what was posted meanwhile once each', async () => {
    const { author, reader, page: a } = await readerOfNewAuthor();
    await author.post('/post/create', { text: 'Before the kill' });
    await waitFor('the first post', async () => (await postTexts(a)).includes('Before the kill'), 20_000, 100);
    const [victimId] = await gatewayOf(reader.userId);
    const victim = stack.gateways.find((g) => g.id === victimId)!;
    expect(victim).toBeDefined();
    await a.evaluate(() => ((window as unknown as { __states: string[] }).__states = []));
    const sockets: string[] = [];
    a.on('websocket', (ws) => sockets.push(ws.url()));

    try {
      // Freeze the gateway so nothing more reaches A, write three posts, then kill it outright:
      // the posts can only reach A by resuming from its last event id on another gateway.
      process.kill(victim.process.pid!, 'SIGSTOP');
      const during: string[] = [];
      for (let i = 1; i <= 3; i++) during.push((await author.post('/post/create', { text: `Written meanwhile #${i}` })).body as string);
      await logHolds(stack.pipeline, reader.userId, during);
      expect(await postTexts(a)).not.toContain('Written meanwhile #1');
      await victim.stop('SIGKILL');

      await waitFor('A to show the posts written meanwhile', async () => (await postTexts(a)).includes('Written meanwhile #3'), 20_000, 100);
      await waitLive(a, 'websocket');
      const states = await a.evaluate(() => (window as unknown as { __states: string[] }).__states);
      expect(states).toContain('reconnecting/websocket');
      expect(states.at(-1)).toBe('live/websocket');
      expect(states.indexOf('reconnecting/websocket')).toBeLessThan(states.lastIndexOf('live/websocket'));
      expect(sockets.some((url) => url.includes('since='))).toBe(true);
      await waitFor('A registered on a survivor', async () => (await gatewayOf(reader.userId)).some((g) => g !== victimId));

      const texts = await postTexts(a);
      expect(texts).toEqual(['Written meanwhile #3', 'Written meanwhile #2', 'Written meanwhile #1', 'Before the kill']);
    } finally {
      // The stack has two gateways again for whichever test runs next.
      await victim.stop('SIGKILL');
      await stack.addGateway();
    }
  });

  it('shows a post containing HTML as text and never runs it', async () => {
    const { author, page: a } = await readerOfNewAuthor();
    const attack = '<img src=x onerror=window.__xss=1>';
    await author.post('/post/create', { text: attack });
    const article = a.locator('article', { hasText: attack });
    await article.waitFor({ timeout: 10_000 });
    expect(await article.locator('.post__text').textContent()).toBe(attack);
    expect(await a.locator('[role=feed] img').count()).toBe(0);
    expect(await a.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    // After a reload (the REST path) it is still text.
    await a.reload();
    await a.locator('article', { hasText: attack }).waitFor();
    expect(await a.locator('[role=feed] img').count()).toBe(0);
    expect(await a.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  });

  it('keeps the reader in place: posts arriving while scrolled down wait behind a pill', async () => {
    const { author, page: a } = await readerOfNewAuthor();
    for (let i = 0; i < 12; i++) await author.post('/post/create', { text: `Filler post ${i + 1}\n${'Some words to make it taller. '.repeat(6)}` });
    await waitFor('the filler posts', async () => (await postTexts(a)).some((t) => t.startsWith('Filler post 12')), 20_000, 100);
    await a.evaluate(() => window.scrollTo(0, 900));
    await waitFor('the scroll', async () => (await a.evaluate(() => window.scrollY)) > 500, 5_000, 50);
    const anchor = a.locator('article', { hasText: 'Filler post 6' });
    const before = (await anchor.boundingBox())!.y;
    await author.post('/post/create', { text: 'Arrived while reading' });
    await a.getByRole('button', { name: /1 new post/ }).waitFor({ timeout: 10_000 });
    expect(Math.abs((await anchor.boundingBox())!.y - before)).toBeLessThan(1);
    expect(await postTexts(a)).not.toContain('Arrived while reading');
    await a.getByRole('button', { name: /1 new post/ }).click();
    await waitFor('the reveal', async () => (await postTexts(a))[0] === 'Arrived while reading', 5_000, 50);
  });

  it(`fits the feed on a 360 px phone and lists every gateway in the cluster view${SHOOT ? ', with screenshots' : ''}`, async () => {
    const { author, page: a } = await readerOfNewAuthor();
    for (const text of ['Good morning from the harbour.', 'The ferry is running late again.']) await author.post('/post/create', { text });
    await waitFor('the earlier posts', async () => (await postTexts(a)).length === 2, 20_000, 100);
    // Let their highlights fade, so the feed shows one post that just arrived.
    await waitFor('highlights to settle', async () => (await a.locator('.post--fresh').count()) === 0, 15_000, 200);
    await author.post('/post/create', { text: 'This one just arrived live, so it is highlighted for a few seconds.' });
    await a.getByText('This one just arrived live').waitFor({ timeout: 10_000 });
    await screenshot(a, 'feed.png');
    // The same feed on a 360 px wide phone.
    await a.setViewportSize({ width: 360, height: 740 });
    await screenshot(a, 'feed-mobile.png');
    expect(await a.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await a.setViewportSize({ width: 1100, height: 820 });

    await a.getByRole('link', { name: 'Cluster', exact: true }).click();
    await a.getByRole('heading', { name: 'Cluster', level: 1 }).waitFor();
    // Steady traffic for the rates while the page polls.
    let posting = true;
    const traffic = (async () => {
      for (let i = 0; posting; i++) {
        await author.post('/post/create', { text: `Traffic ${i}` });
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      const live = stack.gateways.filter((g) => g.process.exitCode === null && g.process.signalCode === null);
      await waitFor(
        'every live gateway listed with a rate',
        async () => {
          // A killed gateway stays listed, as not answering, until its presence entry expires.
          for (const gw of live) if ((await a.locator(`tr[data-gateway="${gw.id}"] .dot--ok`).count()) !== 1) return false;
          const rates = await a.locator('tbody td.num').allTextContents();
          return rates.some((t) => /^[0-9]/.test(t) && t !== '0.0' && t !== '0');
        },
        15_000,
        200,
      );
      if (SHOOT) {
        await a.waitForTimeout(4_000); // a few points on the sparklines, for the picture
        await screenshot(a, 'cluster.png');
      }

      // The API side of the view: every live gateway reachable, the reader's session counted.
      const cluster = (await author.get('/cluster')).body as { id: string; sessions: number | null; url: string; reachable: boolean }[];
      for (const gw of live) expect(cluster.find((g) => g.id === gw.id)).toMatchObject({ reachable: true, url: gw.httpUrl });
      expect(cluster.reduce((n, g) => n + (g.sessions ?? 0), 0)).toBeGreaterThanOrEqual(1);
    } finally {
      posting = false;
      await traffic;
    }
  });

  it('serves client routes as the SPA and keeps API 404s as JSON', async () => {
    const page = await fetch(`${stack.url}/users/1`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const api = await fetch(`${stack.url}/user/nothing-here`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ message: expect.stringContaining('no route') });
    const json = await fetch(`${stack.url}/somewhere`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
  });

  it('logs out: the token is forgotten and the stream cookie expired', async () => {
    const { page: a } = await readerOfNewAuthor();
    await a.getByRole('button', { name: 'Log out' }).click();
    await a.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    // The login page shows as soon as the session is forgotten here; the server's answer to the
    // logout (revoke the token, then expire the cookie) may land a moment later.
    await waitFor('the stream cookie expired', async () => (await a.context().cookies()).every((c) => c.name !== 'feed_token'));
    expect(await a.evaluate(() => sessionStorage.getItem('feed.session'))).toBeNull();
    await a.goto(`${stack.url}/`);
    await a.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
  });
});
