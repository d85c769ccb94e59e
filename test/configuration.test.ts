// docs/configuration.md is generated from the configuration schemas; these checks keep the two,
// and the code that reads the environment, from drifting apart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sharedSettings } from '@feed/contracts/config';
import { coreSettings, loadConfig as coreConfig } from '../core/src/config.ts';
import { gatewaySettings, loadConfig as gatewayConfig } from '../gateway/src/config.ts';
import { startSettings } from '../scripts/start-settings.ts';
import { COMMENTED_SETTINGS, CONFIGURATION_DOC, commentedSettings, renderConfigurationDoc } from '../scripts/config-docs.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** Product code: what runs in production, under `npm start` or compose (benchmarks and tests read their own knobs). */
const PRODUCT = ['core/src', 'gateway/src', 'cache/src', 'db/src', 'broker/src', 'contracts/src', 'client/src', 'web/src', 'web/vite.config.ts', 'scripts', 'docker-compose.yml'];

function filesUnder(entry: string): string[] {
  if (!statSync(path.join(ROOT, entry)).isDirectory()) return [entry];
  return readdirSync(path.join(ROOT, entry)).flatMap((name) => {
    const rel = path.join(entry, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return name === 'node_modules' ? [] : filesUnder(rel);
    return /\.(ts|tsx|mjs|js|sh)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

/**
 * The environment variables a source file reads, the ways this code base reads them:
 * `process.env.X`, `process.env['X']`, an alias of process.env (`const env = process.env;
 * env.X`), destructuring, `Deno.env.get('X')`, in shell `${X:-default}`, and in compose
 * `${X:-default}` or `${X:?message}`.
 */
function variablesRead(file: string, source: string): string[] {
  const names = new Set<string>();
  const add = (pattern: RegExp) => {
    for (const m of source.matchAll(pattern)) names.add(m[1]!);
  };
  if (file.endsWith('.sh')) {
    add(/\$\{([A-Z][A-Z0-9_]*):-/g);
    return [...names];
  }
  if (file.endsWith('.yml')) {
    add(/\$\{([A-Z][A-Z0-9_]*):?[-?]/g);
    return [...names];
  }
  add(/process\.env\.([A-Z][A-Z0-9_]*)/g);
  add(/process\.env\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g);
  add(/Deno\.env\.get\(\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\)/g);
  for (const m of source.matchAll(/\{([^}]*)\}\s*=\s*process\.env\b/g)) {
    for (const part of m[1]!.split(',')) {
      const name = /^\s*([A-Z][A-Z0-9_]*)/.exec(part)?.[1];
      if (name) names.add(name);
    }
  }
  for (const m of source.matchAll(/\b(?:const|let|var)\s+(\w+)\s*=\s*process\.env\b(?!\.)/g)) {
    const alias = m[1]!;
    add(new RegExp(`\\b${alias}\\.([A-Z][A-Z0-9_]*)`, 'g'));
    add(new RegExp(`\\b${alias}\\[\\s*['"\`]([A-Z][A-Z0-9_]*)['"\`]\\s*\\]`, 'g'));
  }
  return [...names];
}

const declared = new Set([...Object.keys(coreSettings.shape), ...Object.keys(gatewaySettings.shape), ...Object.keys(startSettings.shape), ...COMMENTED_SETTINGS.flatMap(({ file }) => commentedSettings(file).map((s) => s.name))]);

describe('configuration', () => {
  it('docs/configuration.md is what `npm run docs:config` renders from the schemas', () => {
    const written = readFileSync(CONFIGURATION_DOC, 'utf8');
    expect(written === renderConfigurationDoc(), 'docs/configuration.md is out of date with the configuration schemas: run `npm run docs:config` and commit the result').toBe(true);
  });

  it('every setting has a description', () => {
    const shapes = { shared: sharedSettings, core: coreSettings.shape, gateway: gatewaySettings.shape, 'npm start': startSettings.shape };
    const undescribed = Object.entries(shapes).flatMap(([service, shape]) =>
      Object.entries(shape)
        .filter(([, field]) => !field.description?.trim())
        .map(([name]) => `${service}: ${name}`),
    );
    expect(undescribed, 'give each of these a .describe() or .meta({ description }) in its schema, then run `npm run docs:config`').toEqual([]);
    for (const { file } of COMMENTED_SETTINGS) expect(commentedSettings(file).length, `${file} declares its settings`).toBeGreaterThan(0);
  });

  it('every variable product code reads is declared in a schema (and so documented)', () => {
    const reads = PRODUCT.flatMap(filesUnder).flatMap((file) => variablesRead(file, readFileSync(path.join(ROOT, file), 'utf8')).map((name) => ({ file, name })));
    // The scan itself works: it sees reads of each kind this code base has.
    expect(reads).toEqual(
      expect.arrayContaining([
        { file: 'scripts/stack.ts', name: 'STATIC_DIR' },
        { file: 'db/src/cli/migrate.ts', name: 'DATABASE_URL' },
        { file: 'scripts/redis-cluster.sh', name: 'REDIS_CLUSTER_PORT' },
        { file: 'docker-compose.yml', name: 'FEED_SUBNET' },
        { file: 'web/vite.config.ts', name: 'API_URL' },
      ]),
    );
    const undeclared = reads.filter(({ name }) => !declared.has(name)).map(({ file, name }) => `${name} (read in ${file})`);
    expect(undeclared, 'declare each in core/src/config.ts, gateway/src/config.ts, contracts/src/config.ts (both), scripts/start-settings.ts or the script’s settings block, then run `npm run docs:config`').toEqual([]);
  });

  it('the scan finds every way of reading the environment', () => {
    const sample = ['process.env.ONE;', "process.env['TWO'];", 'const { THREE, FOUR: four } = process.env;', 'const env = process.env;', "env.FIVE ?? env['SIX'];", "Deno.env.get('SEVEN');"].join('\n');
    expect(variablesRead('x.ts', sample).sort()).toEqual(['FIVE', 'FOUR', 'ONE', 'SEVEN', 'SIX', 'THREE', 'TWO']);
    expect(variablesRead('x.sh', 'PORT="${EIGHT:-7001}"')).toEqual(['EIGHT']);
    expect(variablesRead('x.yml', 'A: ${NINE:?set NINE}\nB: ${TEN:-x}')).toEqual(['NINE', 'TEN']);
  });

  it('both services refuse, by name, the shared settings they cannot run with', () => {
    for (const load of [coreConfig, gatewayConfig]) {
      expect(() => load({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: in production, JWT_SECRET is a published default/);
      expect(() => load({ REDIS_CLUSTER_NODES: 'redis-1' })).toThrow(/REDIS_CLUSTER_NODES: host:port, comma-separated/);
      expect(() => load({ AMQP_URL: 'http://broker' })).toThrow(/AMQP_URL: an amqp:\/\/ URL/);
      expect(() => load({ EVENT_LOG_LENGTH: '0' })).toThrow(/EVENT_LOG_LENGTH/);
    }
    expect(() => gatewayConfig({ PRESENCE_TTL_MS: '20000' })).toThrow(/PRESENCE_TTL_MS: must exceed PRESENCE_REFRESH_MS \(25000\)/);
    expect(() => gatewayConfig({ PRESENCE_TTL_MS: '30000', GATEWAY_HEARTBEAT_MS: '40000' })).toThrow(/PRESENCE_TTL_MS: must exceed GATEWAY_HEARTBEAT_MS \(40000\)/);
  });

  it('the worker’s settings are the ones it reads', () => {
    // core/src/worker.ts reads settings of its own; core/src/services.ts builds what both processes
    // use; the retry policy is read from the configuration in core/src/fanout/retry-policy.ts.
    const readIn = (file: string) => new Set([...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/\bconfig\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const worker = new Set([...readIn('core/src/worker.ts'), ...readIn('core/src/services.ts'), ...readIn('core/src/fanout/retry-policy.ts')]);
    const shared = new Set(Object.keys(sharedSettings));
    const tagged = Object.entries(coreSettings.shape)
      .filter(([name, field]) => !shared.has(name) && field.meta()?.readBy?.includes('worker'))
      .map(([name]) => name);
    expect(tagged.sort(), 'core/src/config.ts: readBy must include worker exactly for what core/src/worker.ts, services.ts and fanout/retry-policy.ts read').toEqual([...worker].filter((name) => !shared.has(name)).sort());
  });
});
