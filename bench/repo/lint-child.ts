/**
 * One `netpol lint -R <dir> -o json` in a process of its own, as `bin/netpol.js` runs it (output discarded),
 * for `bench/real-repo.ts`: prints one JSON line `{ wallMs, cpuMs, exitCode }` on standard error, where
 * `wallMs` counts from the start of the process (module loading included) and `cpuMs` is the user and system
 * time of the whole process (worker threads included).
 * Run: `node dist/bench/repo/lint-child.js <repo dir>`.
 */
import { performance } from 'node:perf_hooks';
import { nodeIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: lint-child.js <repo dir>');
const io = { ...nodeIo(), stdout: () => {}, stderr: () => {} };
const exitCode = await run(['lint', '-R', dir, '-o', 'json'], io);
const cpu = process.cpuUsage();
process.stderr.write(
  `${JSON.stringify({ wallMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, exitCode })}\n`,
);
