import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';

export interface MatrixFlags extends RepoFlags {
  output: 'text' | 'wide' | 'json';
}

/** `netpol matrix`: what can talk to what, per namespace and kind of peer. */
export function registerMatrix(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('matrix')
    .description('print the connectivity matrix: one row per namespace, one column per kind of peer');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (flags: MatrixFlags) => (await import('../actions/matrix.js')).matrixAction(flags, ctx));
}
