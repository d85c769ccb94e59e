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

// Everything else is TypeScript, now that the packages are here (node with tsx's loader: one
// process, which gets the signals below itself).
const stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack.ts'], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stack.kill(signal));
stack.on('exit', (code) => process.exit(code ?? 0));
