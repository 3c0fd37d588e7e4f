import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import { addHubbleFlags, type HubbleFlags, namespaceArgument } from '../options-hubble.js';

export interface VerifyFlags extends RepoFlags, HubbleFlags {
  output: 'text' | 'wide' | 'json';
}

/** `netpol verify NS`: the seed's five connectivity checks, the repository against what Hubble saw. */
export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify')
    .description(
      'check DNS, shared resources, internet egress, gateway ingress and scrapes of a namespace: what the repository says against what Hubble saw',
    )
    .argument('<namespace>', 'the namespace to verify', namespaceArgument);
  addHubbleFlags(cmd);
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (namespace: string, flags: VerifyFlags) =>
    (await import('../actions/verify.js')).verifyAction(namespace, flags, ctx),
  );
}
