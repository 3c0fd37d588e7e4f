import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { initSystem } from '../../workflows/authoring/init.js';
import type { InitFlags } from '../commands/init.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { formatInitText, initJson } from '../output/authoring.js';

/** The action of `netpol init`, loaded when the command runs (its registration is in commands/init.ts). */
export async function initAction(
  dir: string | undefined,
  flags: InitFlags,
  ctx: CommandContext,
): Promise<void> {
  if (
    dir !== undefined &&
    flags.repo !== undefined &&
    path.resolve(ctx.io.cwd, dir) !== path.resolve(ctx.io.cwd, flags.repo)
  ) {
    throw new InvalidArgumentError('Give the directory once: as DIR or as -R, not both.');
  }
  const result = await initSystem({
    root: path.resolve(ctx.io.cwd, dir ?? flags.repo ?? '.'),
    ...(flags.domain !== undefined ? { domain: flags.domain } : {}),
    ...(flags.gatewayNamespace !== undefined ? { gatewayNamespace: flags.gatewayNamespace } : {}),
    ...(flags.internalGateway !== undefined ? { internalGateway: flags.internalGateway } : {}),
    ...(flags.externalGateway !== undefined ? { externalGateway: flags.externalGateway } : {}),
    ...(flags.monitoringNamespace !== undefined ? { monitoringNamespace: flags.monitoringNamespace } : {}),
    ...(flags.resource !== undefined ? { sharedResources: flags.resource } : {}),
    force: flags.force === true,
    dryRun: flags.dryRun === true,
  });
  const conflicts = result.files.some((f) => f.status === 'conflict');
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(initJson(result), null, 2)}\n`);
  else if (conflicts) {
    ctx.io.stderr(
      `error: ${formatInitText(result)}hint: run with --force to overwrite them (--dry-run --force -o json lists every file first)\n`,
    );
  } else ctx.io.stdout(formatInitText(result));
  if (conflicts) ctx.exit(ExitCode.Findings);
}
