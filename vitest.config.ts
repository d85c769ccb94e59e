import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,db,cache,contracts,gateway,test,bench}/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
