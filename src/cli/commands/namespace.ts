import path from 'node:path';
import type { Command } from 'commander';
import { setNamespaceLabels } from '../../workflows/authoring/namespace-set.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag } from '../options.js';
import { formatNamespaceSetText, formatRefusal, namespaceSetJson } from '../output/authoring.js';

interface NamespaceFlags {
  repo?: string;
  profile?: string;
  access?: string[];
  removeAccess?: string[];
  dryRun?: boolean;
  output: 'text' | 'json';
}

/** Splits `a,b` values of a variadic flag. */
function names(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
}

/** `netpol namespace set NS`: edit a namespace's profile and access-grant labels in git. */
export function registerNamespace(program: Command, ctx: CommandContext): void {
  const namespace = program
    .command('namespace')
    .description("edit namespaces' network-policy labels in the repository");
  const cmd = namespace
    .command('set')
    .description(
      'set the profile and access grants of a namespace (finds or creates its manifest, keeps comments)',
    )
    .argument('<namespace>', 'the namespace')
    .option('--profile <profile>', 'profile to set (one the repository defines)')
    .option('--access <name...>', 'access grants to add (repeatable, or comma-separated)')
    .option('--remove-access <name...>', 'access grants to remove')
    .option('--dry-run', 'print the diff; write nothing')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (ns: string, flags: NamespaceFlags) => {
    const r = await setNamespaceLabels({
      root: path.resolve(ctx.io.cwd, flags.repo ?? '.'),
      namespace: ns,
      ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
      access: names(flags.access),
      removeAccess: names(flags.removeAccess),
      dryRun: flags.dryRun === true,
    });
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(namespaceSetJson(r), null, 2)}\n`);
    else if (r.refusal) ctx.io.stderr(formatRefusal(r.refusal));
    else ctx.io.stdout(formatNamespaceSetText(r));
    if (r.refusal) ctx.exit(ExitCode.Findings);
  });
  for (const c of [namespace, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
