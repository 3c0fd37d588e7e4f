import { renderRepository } from '../../workflows/analysis/render.js';
import type { RenderFlags } from '../commands/render.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { repoOptionsOf } from '../options.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { formatRenderYaml, formatUnseen } from '../output/render.js';

/** The action of `netpol render`, loaded when the command runs (its registration is in commands/render.ts). */
export async function renderAction(flags: RenderFlags, ctx: CommandContext): Promise<void> {
  const result = await renderRepository({ ...repoOptionsOf(flags, ctx.io), all: flags.all === true });
  ctx.io.stderr(formatDiagnostics(result.diagnostics.filter((d) => d.severity !== 'info')));
  if (flags.verbose) ctx.io.stderr(formatUnseen(result));
  if (hasInputErrors(result.diagnostics)) ctx.exit(ExitCode.Error);
  if (flags.output === 'json') {
    const json = {
      entry: result.entry,
      objects: result.objects.map((o) => ({ source: o.source, object: o.value })),
      unseen: result.unseen,
    };
    ctx.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  } else ctx.io.stdout(formatRenderYaml(result));
}
