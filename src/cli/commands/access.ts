import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';

export interface AccessFlags {
  repo?: string;
  namespace: string;
  port: string;
  description?: string;
  metricsPort?: string;
  dryRun?: boolean;
  output: 'text' | 'json';
}

/** `netpol access new NAME --namespace NS --port PORT[/PROTO]`: a new shared resource, both halves. */
export function registerAccess(program: Command, ctx: CommandContext): void {
  const access = program.command('access').description('access grants for shared resources');
  const cmd = access
    .command('new')
    .description(
      "add a shared resource: the access grant's CCNP and the ingress rule in the resource namespace's CNP",
    )
    .argument('<name>', 'grant name: namespaces opt in with access.<domain>/<name>: "true"')
    .requiredOption('-n, --namespace <ns>', 'namespace of the resource')
    .requiredOption('--port <port>', 'the resource port, PORT[/PROTO] (default protocol TCP)')
    .option('--description <text>', 'what the resource is (for comments), e.g. "Mosquitto MQTT broker"')
    .option(
      '--metrics-port <port>',
      "metrics port of the resource namespace's CNP when it is created (default: 9090)",
    )
    .option('--dry-run', 'print the diff; write nothing')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (name: string, flags: AccessFlags) =>
    (await import('../actions/access.js')).accessAction(name, flags, ctx),
  );
  for (const c of [access, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
