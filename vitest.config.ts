import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/system-tools.ts'],
    pool: 'threads',
    testTimeout: 20_000,
  },
});
