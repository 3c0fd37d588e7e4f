import path from 'node:path';
import type { Command } from 'commander';
import { newAccessGrant } from '../../workflows/authoring/access-new.js';
import { parsePortNumber, parsePortSpec } from '../../workflows/authoring/authoring-values.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag } from '../options.js';
import { accessNewJson, checksPassed, formatAccessNewText, formatRefusal } from '../output/authoring.js';

interface AccessFlags {
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
  cmd.action(async (name: string, flags: AccessFlags) => {
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
  });
  for (const c of [access, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
