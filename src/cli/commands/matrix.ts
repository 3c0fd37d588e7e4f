import type { Command } from 'commander';
import { computeMatrix } from '../../workflows/analysis/matrix.js';
import type { CommandContext } from '../context.js';
import { loadRepoForCommand } from '../load.js';
import { addOutputFlag, addRepoFlags, layoutOf, type RepoFlags } from '../options.js';
import { formatMatrixText, matrixJson } from '../output/matrix.js';

interface MatrixFlags extends RepoFlags {
  output: 'text' | 'wide' | 'json';
}

/** `netpol matrix`: what can talk to what, per namespace and kind of peer. */
export function registerMatrix(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('matrix')
    .description('print the connectivity matrix: one row per namespace, one column per kind of peer');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (flags: MatrixFlags) => {
    const loaded = await loadRepoForCommand(flags, ctx);
    const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(matrixJson(m), null, 2)}\n`);
    else ctx.io.stdout(formatMatrixText(m, layoutOf(ctx.io, flags.output)));
  });
}
