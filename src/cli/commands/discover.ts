import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import { addHubbleFlags, type HubbleFlags, namespaceArgument } from '../options-hubble.js';

export interface DiscoverFlags extends RepoFlags, HubbleFlags {
  output: 'text' | 'wide' | 'json';
}

/** `netpol discover NS`: the least privileged profile and access grants for the flows a namespace was seen making. */
export function registerDiscover(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('discover')
    .description(
      'recommend the least privileged profile and access grants for a namespace from flows observed while its enforcement was disabled',
    )
    .argument('<namespace>', 'the namespace the flows were observed for', namespaceArgument);
  addHubbleFlags(cmd);
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (namespace: string, flags: DiscoverFlags) =>
    (await import('../actions/discover.js')).discoverAction(namespace, flags, ctx),
  );
}
