import path from 'node:path';
import { setNamespaceLabels } from '../../workflows/authoring/namespace-set.js';
import type { NamespaceFlags } from '../commands/namespace.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { formatNamespaceSetText, formatRefusal, namespaceSetJson } from '../output/authoring.js';

/** The action of `netpol namespace`, loaded when the command runs (its registration is in commands/namespace.ts). */
export async function namespaceAction(ns: string, flags: NamespaceFlags, ctx: CommandContext): Promise<void> {
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
}

/** Splits `a,b` values of a variadic flag. */
function names(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
}
