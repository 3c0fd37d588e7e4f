import path from 'node:path';
import { newAccessGrant } from '../../workflows/authoring/access-new.js';
import { parsePortNumber, parsePortSpec } from '../../workflows/authoring/authoring-values.js';
import type { AccessFlags } from '../commands/access.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { accessNewJson, checksPassed, formatAccessNewText, formatRefusal } from '../output/authoring.js';

/** The action of `netpol access`, loaded when the command runs (its registration is in commands/access.ts). */
export async function accessAction(name: string, flags: AccessFlags, ctx: CommandContext): Promise<void> {
  const r = await newAccessGrant({
    root: path.resolve(ctx.io.cwd, flags.repo ?? '.'),
    name,
    namespace: flags.namespace,
    port: parsePortSpec(flags.port, '--port'),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    ...(flags.metricsPort !== undefined
      ? { metricsPort: parsePortNumber(flags.metricsPort, '--metrics-port') }
      : {}),
    dryRun: flags.dryRun === true,
  });
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(accessNewJson(r), null, 2)}\n`);
  else if (r.refusal) ctx.io.stderr(formatRefusal(r.refusal));
  else ctx.io.stdout(formatAccessNewText(r));
  if (r.refusal || !checksPassed(r.checks)) ctx.exit(ExitCode.Findings);
}
