import type { Command } from 'commander';
import { loadForAnalysis } from '../../workflows/analysis/load.js';
import { computeMatrix } from '../../workflows/analysis/matrix.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag, addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { formatMatrixText, matrixJson } from '../output/matrix.js';

interface MatrixFlags extends RepoFlags {
  output: 'text' | 'json';
}

/** `netpol matrix`: what can talk to what, per namespace and kind of peer. */
export function registerMatrix(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('matrix')
    .description('print the connectivity matrix: one row per namespace, one column per kind of peer');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (flags: MatrixFlags) => {
    const loaded = await loadForAnalysis(repoOptionsOf(flags, ctx.io));
    ctx.io.stderr(formatDiagnostics(loaded.diagnostics.filter((d) => d.severity !== 'info')));
    if (hasInputErrors(loaded.diagnostics)) ctx.exit(ExitCode.Error);
    const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(matrixJson(m), null, 2)}\n`);
    else ctx.io.stdout(formatMatrixText(m));
  });
}
