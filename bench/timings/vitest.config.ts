// `npm run bench:timings`: the stream's timings, measured on the test harnesses (real processes,
// HAProxy, names of their own), printed, and asserted nowhere. The tests assert the behaviour
// these time; `npm test` does not run this config.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    globalSetup: ['test/setup/global.ts'],
    include: ['bench/timings/**/*.timing.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
