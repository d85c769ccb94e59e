// TLS at HAProxy: with HAPROXY_TLS_CERT it terminates https and redirects plain http there, and
// core, told the scheme by X-Forwarded-Proto, marks the session cookie Secure. Without TLS the
// header still tells the truth: a client cannot claim https.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type Harness } from '../core/test/harness.ts';
import { Launcher } from './support/launcher.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let dir: string;
let cert: string;
let core: Harness;
const launcher = new Launcher();
let started = 0;

/** HAProxy in front of the test's core (no gateway: this is about the REST side). */
async function startHaproxy(tls: boolean): Promise<{ http: string; https: string }> {
  const haproxy = await launcher.startHaproxy({
    name: `haproxy${++started}`,
    core: [{ name: 'core1', address: `127.0.0.1:${new URL(core.url).port}` }],
    gateways: [{ name: 'gw1', address: '127.0.0.1:1', disabled: true }],
    tlsCert: tls ? cert : undefined,
  });
  return { http: haproxy.url, https: haproxy.httpsUrl ?? '' };
}

/** One request, trusting only the test's certificate (over https) and following no redirect. */
function send(url: string, opts: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const target = new URL(url);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers = { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  if (target.protocol === 'http:') {
    return fetch(url, { method: opts.method ?? 'GET', headers, body, redirect: 'manual' }).then(async (res) => ({
      status: res.status,
      headers: Object.fromEntries([...res.headers.entries(), ['set-cookie', res.headers.getSetCookie()]]),
      body: await res.text(),
    }));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(target, { method: opts.method ?? 'GET', headers, ca: readFileSync(cert), servername: 'localhost' }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookieOf = (answer: Answer): string => {
  const cookies = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  const token = cookies.find((c) => c.startsWith('feed_token='));
  if (!token) throw new Error(`no session cookie in ${JSON.stringify(answer.headers)}`);
  return token;
};

async function signUpAndLogIn(base: string, headers: Record<string, string> = {}): Promise<Answer> {
  const reg = await send(`${base}/user/register`, { method: 'POST', body: { first_name: 'Tls', second_name: 'Test', password: 'correct horse battery' }, headers });
  expect(reg.status, reg.body).toBe(200);
  const { user_id } = JSON.parse(reg.body) as { user_id: string };
  const login = await send(`${base}/login`, { method: 'POST', body: { id: user_id, password: 'correct horse battery' }, headers });
  expect(login.status, login.body).toBe(200);
  return login;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'feed-tls-'));
  // A self-signed certificate for 127.0.0.1 and localhost; HAProxy wants certificate and key in one PEM.
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  cert = path.join(dir, 'tls.pem');
  writeFileSync(cert, readFileSync(path.join(dir, 'cert.pem'), 'utf8') + readFileSync(path.join(dir, 'key.pem'), 'utf8'));
  core = await startCore();
}, 60_000);

afterAll(async () => {
  await launcher.close();
  await core?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TLS at HAProxy', () => {
  it('serves https with the configured certificate, and the session cookie is Secure', async () => {
    const { https } = await startHaproxy(true);
    const login = await signUpAndLogIn(https);
    const cookie = cookieOf(login);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(login.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('redirects plain http to https, keeping the path, the query and (308) the method', async () => {
    const { http, https } = await startHaproxy(true);
    const page = await send(`${http}/user/search?first_name=A&last_name=B`);
    expect(page.status).toBe(308);
    expect(page.headers.location).toBe(`${https}/user/search?first_name=A&last_name=B`);
    const login = await send(`${http}/login`, { method: 'POST', body: { id: '1', password: 'x' } });
    expect(login.status).toBe(308);
    expect(login.headers.location).toBe(`${https}/login`);
    expect(login.headers['set-cookie'] ?? []).toEqual([]); // nothing reached core
  });

  it('without TLS, tells core the truth: a client claiming https gets no Secure cookie', async () => {
    const { http } = await startHaproxy(false);
    const login = await signUpAndLogIn(http, { 'X-Forwarded-Proto': 'https' });
    expect(cookieOf(login)).not.toMatch(/;\s*Secure/i);
  });
});
