import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';
import { addClusterFlags, type ClusterFlags } from '../options-cluster.js';
import { namespaceArgument } from '../options-hubble.js';

export interface HatchFlags extends ClusterFlags {
  repo?: string;
  output: 'text' | 'json';
}

export interface DisableFlags extends HatchFlags {
  reason?: string;
  for?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** `netpol escape-hatch disable|enable|list`: the seed's emergency escape hatch, run safely. */
export function registerEscapeHatch(program: Command, ctx: CommandContext): void {
  const group = program
    .command('escape-hatch')
    .description(
      "turn a namespace's network-policy enforcement off and on again (the seed's escape hatch), with audit",
    );

  const disable = group
    .command('disable')
    .description(
      'set the escape-hatch label on a namespace, after showing what it opens; records who, when, why and an Event',
    )
    .argument('<namespace>', 'the namespace', namespaceArgument)
    .option('--reason <text>', 'why (required): incident id and symptom')
    .option('--for <duration>', 'how long it may stay off (recorded; list marks it overdue after), e.g. 2h')
    .option('--dry-run', 'show what the label opens and the patch; write nothing')
    .option('--force', 'allow a platform namespace')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addClusterFlags(disable, false);
  addOutputFlag(disable, ['text', 'json'], 'text');
  disable.action(async (ns: string, flags: DisableFlags) =>
    (await import('../actions/escape-hatch.js')).disableAction(ns, flags, ctx),
  );

  const enable = group
    .command('enable')
    .description(
      'remove the escape-hatch label and annotations; says how long enforcement was off and what to fix',
    )
    .argument('<namespace>', 'the namespace', namespaceArgument)
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addClusterFlags(enable, false);
  addOutputFlag(enable, ['text', 'json'], 'text');
  enable.action(async (ns: string, flags: HatchFlags) =>
    (await import('../actions/escape-hatch.js')).enableAction(ns, flags, ctx),
  );

  const list = group
    .command('list')
    .description(
      'every namespace with enforcement disabled in every named cluster: since, by, reason, until, alert state',
    )
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addClusterFlags(list, true);
  addOutputFlag(list, ['text', 'json'], 'text');
  list.action(async (flags: HatchFlags) =>
    (await import('../actions/escape-hatch.js')).listAction(flags, ctx),
  );
}
