import type { Command } from 'commander';
import { renderRepository } from '../../workflows/analysis/render.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag, addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { formatRenderYaml, formatUnseen } from '../output/render.js';

interface RenderFlags extends RepoFlags {
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
  cmd.action(async (flags: RenderFlags) => {
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
  });
}
