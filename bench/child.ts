import { spawnSync } from 'node:child_process';

/**
 * Runs a benchmark script in a child process of the same node (its peak RSS and CPU time are its own) and
 * returns the JSON object it printed on its last line of standard output.
 * @param script - path of the script (`fileURLToPath(import.meta.url)` of the caller).
 * @param args - its arguments, e.g. `['--child', variant, file]`.
 * @param nodeArgs - node flags before the script. Default: this process's (`process.execArgv`).
 * @throws Error with the child's standard error when it exits with a nonzero status.
 */
export function runBenchChild<T>(
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[] = process.execArgv,
): T {
  const r = spawnSync(process.execPath, [...nodeArgs, script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as T;
}

/**
 * The value of flag `--name` on this process's command line.
 * @param name - the flag without its dashes.
 * @param def - the value when the flag is absent or has no value.
 */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}
