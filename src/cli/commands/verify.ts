import type { Command } from 'commander';
import { verifyNamespace } from '../../workflows/flows/verify.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { addOutputFlag, addRepoFlags, layoutOf, type RepoFlags } from '../options.js';
import { addHubbleFlags, flowSourceOf, type HubbleFlags, namespaceArgument } from '../options-hubble.js';
import { formatFlowDiagnostics } from '../output/diagnostics.js';
import { formatVerifyText, verifyJson } from '../output/verify.js';

interface VerifyFlags extends RepoFlags, HubbleFlags {
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
  cmd.action(async (namespace: string, flags: VerifyFlags) => {
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
  });
}
