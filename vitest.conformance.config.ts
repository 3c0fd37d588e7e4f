/**
 * `npm run test:conformance`: netpol checked against external corpora (the official CRD schemas,
 * Cilium's example policies) read from the directory in NETPOL_CONFORMANCE_DIR; see
 * test/conformance/corpus.ts. Without the variable it stops with one line and exit code 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const dir = process.env.NETPOL_CONFORMANCE_DIR;
const problem =
  dir === undefined || dir === ''
    ? 'NETPOL_CONFORMANCE_DIR is not set'
    : ['schemas', 'fixtures/cilium-examples'].some((d) => !fs.existsSync(path.resolve(dir, d)))
      ? `NETPOL_CONFORMANCE_DIR=${dir} has no schemas/ and fixtures/cilium-examples/`
      : undefined;
if (problem !== undefined) {
  process.stderr.write(
    `netpol conformance tests: ${problem} (run: NETPOL_CONFORMANCE_DIR=<dir with schemas/ and fixtures/cilium-examples/> npm run test:conformance)\n`,
  );
  process.exit(2);
}

export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    globalSetup: ['test/setup/system-tools.ts'],
    pool: 'threads',
    testTimeout: 60_000,
  },
});
