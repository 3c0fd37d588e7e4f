/**
 * The entry of the bundled CLI (dist/cli/netpol.js, built by scripts/bundle-cli.mjs), which bin/netpol.js
 * runs: the same `run` and `nodeIo` as dist/src/cli, in one file plus a chunk per command.
 * @module
 */
export { nodeIo } from './io.js';
export { run } from './main.js';
