import { configDefaults, defineConfig } from 'vitest/config';

// One project for the services, the stream SDK, the gateway's suite twice (once with the gateway
// running on Node and once on Deno: GW_RUNTIME picks the runtime its test harness spawns), the
// Redis-heavy suites again on a Redis Cluster the `cluster` project starts for its run
// (REDIS_CLUSTER_NODES reaches every harness through inject), the SPA's component tests in jsdom,
// and the browser end-to-end tests (headless Chromium through HAProxy).
export default defineConfig({
  test: {
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'services',
          include: ['{core,db,cache,broker,contracts,haproxy,test,bench}/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.e2e.test.ts', 'test/redis-cluster.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          globalSetup: ['test/setup/redis-cluster.ts'],
          include: [
            'cache/test/**/*.test.ts',
            'core/test/feed-pipeline.test.ts',
            'core/test/feed-redis-loss.test.ts',
            'gateway/test/resume.test.ts',
            'gateway/test/routing.test.ts',
            'gateway/test/reset.test.ts',
            'gateway/test/celebrity.test.ts',
            'test/redis-cluster.test.ts',
          ],
          env: { GW_RUNTIME: 'node' },
        },
      },
      // The stream SDK: pure tests, and tests against real gateways (on Node; one runs the SDK on Deno).
      { extends: true, test: { name: 'client', include: ['client/**/*.test.ts'] } },
      { extends: true, test: { name: 'gateway-node', include: ['gateway/**/*.test.ts'], env: { GW_RUNTIME: 'node' } } },
      // The in-process unit tests (gateway/test/unit) spawn no gateway: once, in the Node project, is enough.
      { extends: true, test: { name: 'gateway-deno', include: ['gateway/**/*.test.ts'], exclude: [...configDefaults.exclude, 'gateway/test/unit/**'], env: { GW_RUNTIME: 'deno' } } },
      {
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: { name: 'web', environment: 'jsdom', include: ['web/src/**/*.test.{ts,tsx}'], setupFiles: ['web/src/test/setup.ts'] },
      },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 } },
    ],
  },
});
