import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';

export interface PlatformFlags {
  repo?: string;
  metricsPort?: string[];
  mesh?: boolean;
  ingressFrom?: string[];
  egressTo?: string[];
  purpose?: string;
  dryRun?: boolean;
  output: 'text' | 'json';
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
  cmd.action(async (ns: string, flags: PlatformFlags) =>
    (await import('../actions/platform.js')).platformAction(ns, flags, ctx),
  );
  for (const c of [platform, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
