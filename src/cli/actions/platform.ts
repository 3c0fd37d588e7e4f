import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parsePeerPort, parsePortNumber } from '../../workflows/authoring/authoring-values.js';
import { newPlatformNamespace } from '../../workflows/authoring/platform-new.js';
import type { PlatformFlags } from '../commands/platform.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { checksPassed, formatPlatformNewText, formatRefusal, platformNewJson } from '../output/authoring.js';

/** The action of `netpol platform`, loaded when the command runs (its registration is in commands/platform.ts). */
export async function platformAction(ns: string, flags: PlatformFlags, ctx: CommandContext): Promise<void> {
  const ports = list(flags.metricsPort);
  if (ports.length === 0) throw new InvalidArgumentError('platform new needs --metrics-port PORT.');
  const r = await newPlatformNamespace({
    root: path.resolve(ctx.io.cwd, flags.repo ?? '.'),
    namespace: ns,
    metricsPorts: ports.map((p) => parsePortNumber(p, '--metrics-port')),
    mesh: flags.mesh === true,
    ingressFrom: list(flags.ingressFrom).map((v) => parsePeerPort(v, '--ingress-from')),
    egressTo: list(flags.egressTo).map((v) => parsePeerPort(v, '--egress-to')),
    ...(flags.purpose !== undefined ? { purpose: flags.purpose } : {}),
    dryRun: flags.dryRun === true,
  });
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(platformNewJson(r), null, 2)}\n`);
  else if (r.refusal) ctx.io.stderr(formatRefusal(r.refusal));
  else ctx.io.stdout(formatPlatformNewText(r));
  if (r.refusal || !checksPassed(r.checks)) ctx.exit(ExitCode.Findings);
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
}
