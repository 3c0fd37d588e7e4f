import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import type { HubbleFlags } from '../options-hubble.js';

export interface DiffFlags extends RepoFlags, Pick<HubbleFlags, 'flows' | 'since' | 'until'> {
  base: string;
  head?: string;
  failOnOpen?: boolean;
  failOnBreak?: boolean;
  output: 'text' | 'json' | 'markdown';
}

/**
 * `netpol diff --base REV [--head REV] [--flows FILE]`: the connectivity a change opens and closes, and with
 * `--flows` what it would have done to the traffic observed.
 */
export function registerDiff(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('diff')
    .description(
      'report the connectivity a change opens and closes: the matrix cells that flip between two git revisions, with the rules responsible',
    )
    .requiredOption(
      '--base <rev>',
      'the revision to compare against (branch, tag or commit), e.g. origin/main',
    )
    .option('--head <rev>', 'the revision with the change (default: the working tree)')
    .option(
      '--fail-on-open',
      'exit with code 1 when the change may open a path: a cell flips to allowed, or a policy gains an allow element or loses a deny',
    )
    .option(
      '--flows <file>',
      'replay observed traffic against both revisions: `hubble observe -o json|jsonpb` lines or a `netpol watch --record` summary (- for standard input)',
    )
    .option('--since <time>', 'with --flows: flows since this duration ago (7d, 5m) or timestamp (RFC 3339)')
    .option('--until <time>', 'with --flows: flows until this duration ago or timestamp')
    .option(
      '--fail-on-break',
      'with --flows: exit with code 1 when the change would deny a connection that was observed',
    );
  addRepoFlags(cmd);
  // Both sides come from git: -f is refused below and kept out of the help.
  for (const o of cmd.options) if (o.long === '--filename') o.hideHelp();
  addOutputFlag(cmd, ['text', 'json', 'markdown'], 'text');
  cmd.action(async (flags: DiffFlags) => (await import('../actions/diff.js')).diffAction(flags, ctx));
}
