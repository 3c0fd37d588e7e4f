import path from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';

/** The project root, for paths in CLI tests. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs the CLI in-process with captured output; `stdin` feeds standard input. */
export async function runCli(
  argv: string[],
  options: { stdin?: string; cwd?: string; env?: Readonly<Record<string, string>> } = {},
) {
  let stdout = '';
  let stderr = '';
  const stdin = options.stdin ?? '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => stdin,
    stdinLines: async function* () {
      for (const l of stdin.split(/\r?\n/)) yield l;
    },
    cwd: options.cwd ?? PROJECT_ROOT,
    isTTY: false,
    env: options.env ?? {},
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
