import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';

export interface RenderFlags extends RepoFlags {
  output: 'yaml' | 'json';
  all?: boolean;
  verbose?: boolean;
}

/** `netpol render`: the objects netpol analyses, as one YAML stream. */
export function registerRender(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('render')
    .description('print the objects netpol analyses, as Flux/kustomize render them (compare with flux build)')
    .option('--all', 'every object read, not only Namespaces, policies and workloads')
    .option('-v, --verbose', 'also list the sources netpol cannot see (HelmReleases, other repositories)');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['yaml', 'json'], 'yaml');
  cmd.action(async (flags: RenderFlags) => (await import('../actions/render.js')).renderAction(flags, ctx));
}
