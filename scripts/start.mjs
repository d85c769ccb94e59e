#!/usr/bin/env node
// `npm start`: the whole stack on this machine, no Docker. Installs packages if missing,
// makes sure Postgres, Redis and RabbitMQ run, creates the database, starts the services
// and prints where to open them. Ctrl-C stops everything; running it again reuses what exists.
// Plain JavaScript on purpose: it runs before `npm install` has brought TypeScript tooling.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const TSX = path.join(root, 'node_modules', '.bin', 'tsx');
const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/feed',
  PORT: '3000',
  ...process.env,
};

function step(title, command, args, options = {}) {
  console.log(`» ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options });
  if (result.status !== 0) {
    console.error(`✗ ${title} failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  step('installing npm packages', 'npm', ['install', '--no-audit', '--no-fund']);
}
step('checking Postgres, Redis and RabbitMQ', 'bash', ['scripts/services.sh']);
step('creating the database if it does not exist', TSX, ['scripts/create-database.ts']);
step('applying migrations', TSX, ['db/src/cli/migrate.ts']);

/** Each long-running service of the stack, with the environment that sets it apart. */
const services = [
  { name: 'core', args: ['core/src/main.ts'], env: { MIGRATE_ON_START: 'false' } },
  { name: 'worker', args: ['core/src/worker.ts'], env: {} },
];

const children = services.map((service) => {
  const child = spawn(TSX, service.args, { cwd: root, env: { ...env, ...service.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tag = `[${service.name}]`;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) console.log(tag, line);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${tag} exited (${signal ?? code}); stopping the stack`);
      stop();
    }
  });
  return child;
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 12_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const api = `http://127.0.0.1:${env.PORT}`;
await waitFor(`${api}/health`);
console.log(`
  The stack is up.
    REST API   ${api}   (try: curl ${api}/user/search?first_name=a\\&last_name=b)
    Metrics    ${api}/metrics
  Ctrl-C stops everything.
`);

async function waitFor(url, seconds = 60) {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`✗ ${url} did not answer within ${seconds} s`);
  stop();
}
