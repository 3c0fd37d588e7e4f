import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import { addHubbleFlags, type HubbleFlags, namespaceArgument } from '../options-hubble.js';

export interface DropsFlags extends RepoFlags, HubbleFlags {
  output: 'text' | 'wide' | 'json';
  fix?: boolean;
}

/** `netpol drops [NS]`: Hubble's policy drops grouped, each with its cause and the git change that fixes it. */
export function registerDrops(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('drops')
    .description(
      'group the policy drops Hubble saw and give each its cause and the git change that allows it (--fix writes the label changes)',
    )
    .argument('[namespace]', 'only flows from or to this namespace (like -n)', namespaceArgument)
    .option('--fix', 'write the label fixes (access grants, profile switches) into the namespace manifests');
  addHubbleFlags(cmd, { filters: true, follow: true });
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (namespace: string | undefined, flags: DropsFlags) =>
    (await import('../actions/drops.js')).dropsAction(namespace, flags, ctx),
  );
}
