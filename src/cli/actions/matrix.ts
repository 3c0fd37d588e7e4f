import { computeMatrix } from '../../workflows/analysis/matrix.js';
import type { MatrixFlags } from '../commands/matrix.js';
import type { CommandContext } from '../context.js';
import { loadRepoForCommand } from '../load.js';
import { layoutOf } from '../options.js';
import { formatMatrixText, matrixJson } from '../output/matrix.js';

/** The action of `netpol matrix`, loaded when the command runs (its registration is in commands/matrix.ts). */
export async function matrixAction(flags: MatrixFlags, ctx: CommandContext): Promise<void> {
  const loaded = await loadRepoForCommand(flags, ctx);
  const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(matrixJson(m), null, 2)}\n`);
  else ctx.io.stdout(formatMatrixText(m, layoutOf(ctx.io, flags.output)));
}
