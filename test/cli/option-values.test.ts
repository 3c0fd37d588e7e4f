import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * An option that takes a value must not swallow the next flag (fresh-user-3 #14): commander takes any next
 * word as the value, so `--dns -R dir` read `-R` as the DNS name and `dir` as an argument.
 */
describe('run: an option value that looks like a flag', () => {
  it.each([
    {
      argv: ['trace', 'a', 'b', '--dns', '-R', 'examples/homelab'],
      stderr:
        `error: option '--dns <name>' needs a value, but the next word is the flag "-R".\n` +
        `hint: Give --dns its value (--dns VALUE); if the value itself starts with "-", write --dns=-R.\n`,
    },
    {
      argv: ['lint', '-R', '--cluster', 'prod'],
      stderr:
        `error: option '-R, --repo <dir>' needs a value, but the next word is the flag "--cluster".\n` +
        `hint: Give --repo its value (--repo VALUE); if the value itself starts with "-", write --repo=--cluster.\n`,
    },
    {
      argv: ['matrix', '-o', '-R', 'examples/homelab'],
      stderr:
        `error: option '-o, --output <format>' needs a value, but the next word is the flag "-R".\n` +
        `hint: Give --output its value (--output VALUE); if the value itself starts with "-", write --output=-R.\n`,
    },
  ])('$argv is refused with exit code 2', async ({ argv, stderr }) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
    expect(r.stdout).toBe('');
  });

  it.each([
    // `-` is standard input, `-1` a number, and `--opt=-x` is an explicit value: none is a flag.
    ['render', '-R', 'examples/homelab', '-f', '-'],
    ['trace', 'billing', 'database', '--port', '5432', '-R', 'examples/homelab', '--dns=-x'],
  ])('%j is not refused', async (...argv) => {
    const r = await runCli(argv, { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' });
    expect(r.stderr).not.toContain('needs a value, but the next word is the flag');
  });
});
