import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';

/** The rule list `netpol lint --help` ends with: empty until {@link loadLintHelp} has run. */
let rulesHelp = '';

/**
 * Reads the rule ids `netpol lint --help` lists (the ids hints, `lint.rules` and `netpol.dev/ignore` take).
 * The rules are imported only for that help, so `run` awaits this before a parse that may print it.
 */
export async function loadLintHelp(): Promise<void> {
  const all = Object.values((await import('../../lint/rules/index.js')).rules);
  const width = Math.max(...all.map((r) => r.id.length));
  const lines = all.map((r) => `  ${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.description}`);
  rulesHelp = `\nRules (docs/rules/<id>.md; set severities under lint.rules in netpol.config.yaml):\n${lines.join('\n')}\n`;
}

export interface LintFlags extends RepoFlags {
  output: 'text' | 'json' | 'sarif';
  fix?: boolean;
}

/**
 * `netpol lint`: checks the repository against every rule of docs/rules/. Exit code 0 when no finding is
 * an error (warnings allowed), 1 when one is, 2 when input could not be read (a missing root or no
 * manifests, an unreadable file, a YAML syntax error, an invalid netpol.config.yaml).
 */
export function registerLint(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('lint')
    .description(
      "check the policies against the system's rules (anti-patterns, platform requirements, grants); CI-ready",
    )
    .option(
      '--fix',
      'apply safe, local fixes (kustomization entries, misspelt profiles …) and print their diffs',
    );
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'json', 'sarif'], 'text');
  cmd.addHelpText('after', () => rulesHelp);
  cmd.action(async (flags: LintFlags) => (await import('../actions/lint.js')).lintAction(flags, ctx));
}
