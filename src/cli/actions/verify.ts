import { verifyNamespace } from '../../workflows/flows/verify.js';
import type { VerifyFlags } from '../commands/verify.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { layoutOf } from '../options.js';
import { flowSourceOf } from '../options-hubble.js';
import { formatFlowDiagnostics } from '../output/diagnostics.js';
import { formatVerifyText, verifyJson } from '../output/verify.js';

/** The action of `netpol verify`, loaded when the command runs (its registration is in commands/verify.ts). */
export async function verifyAction(
  namespace: string,
  flags: VerifyFlags,
  ctx: CommandContext,
): Promise<void> {
  const { input, filter } = flowSourceOf(flags, ctx.io);
  const loaded = await loadRepoForCommand(flags, ctx);
  if (!loaded.engine.hasNamespace(namespace)) {
    ctx.io.stderr(
      `warning: namespace "${namespace}" is not defined in the repository: the checks use only its name label\n`,
    );
    ctx.exit(ExitCode.Error);
  }
  const report = await verifyNamespace(loaded, { namespace, input, filter });
  ctx.io.stderr(formatFlowDiagnostics(report));
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(verifyJson(report), null, 2)}\n`);
  else ctx.io.stdout(formatVerifyText(report, layoutOf(ctx.io, flags.output)));
  if (report.checks.some((c) => c.status === 'FAIL')) ctx.exit(ExitCode.Findings);
}
