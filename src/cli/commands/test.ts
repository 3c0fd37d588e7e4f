import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import type { HubbleFlags } from '../options-hubble.js';

export interface TestFlags extends RepoFlags, Pick<HubbleFlags, 'since' | 'until'> {
  junit?: string;
  fromFlows?: string;
  write?: string;
  output: 'text' | 'json';
}

/**
 * `netpol test FILE`: connectivity assertions kept in the repository, checked with the engine;
 * `netpol test --from-flows FLOWS [--write FILE]`: such assertions written from observed traffic.
 */
export function registerTest(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('test')
    .description(
      'check connectivity assertions (a YAML list of {from, to, port, protocol, expect: allowed|denied, because}) against the policies, or write them from observed flows (--from-flows)',
    )
    .argument('[file]', 'the assertions file, relative to the current directory')
    .option('--junit <file>', 'also write the results as JUnit XML to FILE (for CI test reports)')
    .option(
      '--from-flows <flows>',
      'write assertions instead: one "expect: allowed" entry per connection Hubble forwarded in FLOWS (`hubble observe -o json` lines or a `netpol watch --record` summary, - for standard input) that the repository allows',
    )
    .option(
      '--write <file>',
      'with --from-flows: write the assertions to FILE (never overwritten) instead of standard output',
    )
    .option(
      '--since <time>',
      'with --from-flows: flows since this duration ago (7d, 5m) or timestamp (RFC 3339)',
    )
    .option('--until <time>', 'with --from-flows: flows until this duration ago or timestamp');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (file: string | undefined, flags: TestFlags) =>
    (await import('../actions/test.js')).testAction(file, flags, ctx),
  );
}
