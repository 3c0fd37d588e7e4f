import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // External corpora (CRD schemas, Cilium's examples): `npm run test:conformance`.
    exclude: ['test/conformance/**', '**/node_modules/**'],
    globalSetup: ['test/setup/system-tools.ts'],
    pool: 'threads',
    testTimeout: 20_000,
  },
});
