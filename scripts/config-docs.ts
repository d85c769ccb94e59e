// `npm run docs:config`: writes docs/configuration.md from the configuration schemas, which carry
// each setting's default and description. test/configuration.test.ts fails when the file is not
// what this renders, and when product code reads a variable that no schema declares.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sharedSettings } from '@feed/contracts/config';
import { coreSettings, REPLACED } from '../core/src/config.ts';
import { gatewaySettings } from '../gateway/src/config.ts';
import { startSettings } from './start-settings.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const CONFIGURATION_DOC = path.join(ROOT, 'docs', 'configuration.md');

/** One documented setting: its name, how its default reads, and its description. */
export interface Setting {
  name: string;
  shownDefault: string;
  description: string;
}

type Shape = Record<string, z.ZodType>;

/** The value a setting takes when unset, as the docs show it (the schema's meta may say it in words). */
function defaultOf(field: z.ZodType): string {
  const shown = field.meta()?.shownDefault;
  if (shown !== undefined) return shown;
  let inner: z.ZodType = field;
  for (;;) {
    if (inner instanceof z.ZodPipe) inner = inner.in as z.ZodType;
    else if (inner instanceof z.ZodOptional) return 'unset';
    else if (inner instanceof z.ZodDefault) {
      const value: unknown = inner.def.defaultValue;
      return value === '' ? 'empty' : `\`${String(value)}\``;
    } else return 'required';
  }
}

/** The values an enum setting accepts, when it is one. */
function choicesOf(field: z.ZodType): string[] | undefined {
  let inner: z.ZodType = field;
  for (;;) {
    if (inner instanceof z.ZodPipe) inner = inner.in as z.ZodType;
    else if (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
    else if (inner instanceof z.ZodEnum) return inner.options.map(String);
    else return undefined;
  }
}

export function settingsOf(shape: Shape, keep: (name: string, field: z.ZodType) => boolean = () => true): Setting[] {
  return Object.entries(shape)
    .filter(([name, field]) => keep(name, field))
    .map(([name, field]) => {
      const choices = choicesOf(field);
      const description = field.description ?? '';
      const oneOf = choices && !choices.some((c) => description.includes(`\`${c}\``)) ? ` One of ${choices.map((c) => `\`${c}\``).join(', ')}.` : '';
      return { name, shownDefault: defaultOf(field), description: description + oneOf };
    });
}

/**
 * Files that declare their settings in a comment block rather than a schema: the local clusters'
 * scripts, the compose file and the SPA's dev server, with the section each gets in the document.
 */
export const COMMENTED_SETTINGS = [
  { file: 'scripts/redis-cluster.sh', title: '`npm run redis:cluster`', intro: 'a cluster on this machine for development and tests.' },
  { file: 'scripts/rabbit-cluster.sh', title: '`npm run rabbit:cluster`', intro: 'a cluster on this machine for development and tests.' },
  { file: 'docker-compose.yml', title: '`docker compose up`', intro: 'what compose fills into the services’ environment; it refuses to start without the required ones.' },
  { file: 'web/vite.config.ts', title: '`npm run dev -w web`', intro: 'the SPA’s development server.' },
] as const;

/**
 * A file's settings, from its `Settings (environment):` comment block (`#` or `//`): one line
 * per variable, `#   NAME   what it sets   (default: …)`; a default of `required` means none.
 */
export function commentedSettings(file: string): Setting[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const start = lines.findIndex((line) => /^(#|\/\/) Settings \(environment\):$/.test(line.trim()));
  if (start < 0) return [];
  const settings: Setting[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^(?:#|\/\/)\s+([A-Z][A-Z0-9_]*)\s+(.*?)\s*\(default: (.*)\)\s*$/.exec(line);
    if (!m) break;
    settings.push({ name: m[1]!, description: m[2]!, shownDefault: m[3] === 'required' ? 'required' : `\`${m[3]!}\`` });
  }
  return settings;
}

const shared = new Set(Object.keys(sharedSettings));
const readers = (field: z.ZodType) => field.meta()?.readBy ?? ['core'];

/** The settings of each service, in the order the document lists them. */
export function sections(): { title: string; intro: string; settings: Setting[] }[] {
  const coreOwn = (name: string) => !shared.has(name);
  return [
    {
      title: 'Shared by core, the worker and the gateways',
      intro:
        'Declared once, in `contracts/src/config.ts`; core’s and the gateway’s schemas extend it. Where a setting must match across services (the Redis and AMQP prefixes, the event log, the token secrets), set it the same for every process.',
      settings: settingsOf(sharedSettings),
    },
    {
      title: 'Core: the REST API and the outbox relay (`npm run core`)',
      intro: '`core/src/config.ts`, besides the shared settings.',
      settings: settingsOf(coreSettings.shape, (name, field) => coreOwn(name) && readers(field).includes('core')),
    },
    {
      title: 'The fan-out worker (`npm run worker`)',
      intro: 'The worker reads core’s configuration (`core/src/config.ts`); these are the settings it uses, besides the shared ones.',
      settings: settingsOf(coreSettings.shape, (name, field) => coreOwn(name) && readers(field).includes('worker')),
    },
    {
      title: 'Gateway (`gateway/src/main.ts`, on Node or Deno)',
      intro: '`gateway/src/config.ts`, besides the shared settings.',
      settings: settingsOf(gatewaySettings.shape, (name) => !shared.has(name)),
    },
    {
      title: '`npm start`',
      intro:
        '`scripts/start-settings.ts`: what `npm start` reads itself. Every other variable set for `npm start` reaches the services it runs, except what it sets for each itself (`scripts/stack.ts`): `PORT`, `GATEWAY_ID`, `ALLOWED_ORIGINS`, `MIGRATE_ON_START`, `DRAIN_DELAY_MS` and `DRAIN_WINDOW_MS`.',
      settings: settingsOf(startSettings.shape),
    },
    ...COMMENTED_SETTINGS.map(({ file, title, intro }) => ({
      title,
      intro: `\`${file}\`, from the settings block at its top: ${intro}`,
      settings: commentedSettings(file),
    })),
  ];
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated by `npm run docs:config` from the configuration schemas; edit the schemas, not this file. -->',
    '',
    'Every setting comes from the environment and is validated once at start-up (zod); a bad value stops the process with a message naming the variable. The defaults work on a developer machine with the local Postgres, Redis and RabbitMQ. Durations say their unit in the name (`_MS`, `_SECONDS`).',
    '',
  ];
  for (const section of sections()) {
    lines.push(`## ${section.title}`, '', section.intro, '', '| variable | default | description |', '|---|---|---|');
    for (const s of section.settings) lines.push(`| \`${s.name}\` | ${cell(s.shownDefault)} | ${cell(s.description)} |`);
    lines.push('');
  }
  lines.push('## Settings that are no longer read', '', 'Core refuses to start while one of these is set, and says what replaced it.', '', '| variable | replaced by |', '|---|---|');
  for (const [name, replacement] of Object.entries(REPLACED)) lines.push(`| \`${name}\` | ${cell(replacement)} |`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderConfigurationDoc();
  const before = (() => {
    try {
      return readFileSync(CONFIGURATION_DOC, 'utf8');
    } catch {
      return undefined;
    }
  })();
  writeFileSync(CONFIGURATION_DOC, text);
  console.log(`${path.relative(ROOT, CONFIGURATION_DOC)} ${before === text ? 'is up to date' : 'written'}`);
}
