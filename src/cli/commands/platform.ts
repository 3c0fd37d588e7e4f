import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { parsePeerPort, parsePortNumber } from '../../workflows/authoring/authoring-values.js';
import { newPlatformNamespace } from '../../workflows/authoring/platform-new.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag } from '../options.js';
import { checksPassed, formatPlatformNewText, formatRefusal, platformNewJson } from '../output/authoring.js';

interface PlatformFlags {
  repo?: string;
  metricsPort?: string[];
  mesh?: boolean;
  ingressFrom?: string[];
  egressTo?: string[];
  purpose?: string;
  dryRun?: boolean;
  output: 'text' | 'json';
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
}

/** `netpol platform new NS --metrics-port PORT`: a platform namespace's CNP from the seed's template. */
export function registerPlatform(program: Command, ctx: CommandContext): void {
  const platform = program
    .command('platform')
    .description('platform namespaces (hand-written CNPs, never profiles)');
  const cmd = platform
    .command('new')
    .description(
      "write a platform namespace's CNP from the seed's template and add it to the platform kustomization",
    )
    .argument('<namespace>', 'the platform namespace')
    .option('--metrics-port <port...>', 'port(s) Prometheus scrapes (required)')
    .option('--mesh', 'the namespace is in the Istio mesh (HBONE 15008 to and from istio-system/ztunnel)')
    .option(
      '--ingress-from <peer:port...>',
      'service-specific ingress: NS:PORT[/PROTO], NS/key=value:PORT or ENTITY:PORT',
    )
    .option('--egress-to <peer:port...>', 'service-specific egress, same syntax')
    .option('--purpose <text>', 'what runs in the namespace (for the comments)')
    .option('--dry-run', 'print the diff; write nothing')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (ns: string, flags: PlatformFlags) => {
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
  });
  for (const c of [platform, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
