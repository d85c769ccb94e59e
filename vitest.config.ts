import { defineConfig } from 'vitest/config';

// One project for the services, and the gateway's suite twice: once with the gateway running
// on Node and once on Deno (GW_RUNTIME picks the runtime its test harness spawns).
export default defineConfig({
  test: {
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'services', include: ['{core,db,cache,contracts,haproxy,test,bench}/**/*.test.ts'] } },
      { extends: true, test: { name: 'gateway-node', include: ['gateway/**/*.test.ts'], env: { GW_RUNTIME: 'node' } } },
      { extends: true, test: { name: 'gateway-deno', include: ['gateway/**/*.test.ts'], env: { GW_RUNTIME: 'deno' } } },
    ],
  },
});
