import { type Command, InvalidArgumentError } from 'commander';
import { parsePortNumber, parsePortSpec } from '../../workflows/authoring/port-values.js';
import type { SharedResourceSpec } from '../../workflows/authoring/system-options.js';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';

export interface InitFlags {
  repo?: string;
  domain?: string;
  gatewayNamespace?: string;
  internalGateway?: string;
  externalGateway?: string;
  monitoringNamespace?: string;
  resource?: SharedResourceSpec[];
  force?: boolean;
  dryRun?: boolean;
  output: 'text' | 'json';
}

/**
 * Parses `--resource NAME=NS:PORT[/PROTO][,metrics=PORT][,description=TEXT]`.
 * @throws InvalidArgumentError for a malformed value.
 */
function collectResource(value: string, previous: SharedResourceSpec[] = []): SharedResourceSpec[] {
  const m = /^([^=,]+)=([^:,]+):([^,]+)((?:,[a-z]+=[^,]*)*)$/.exec(value);
  if (!m)
    throw new InvalidArgumentError(
      `"${value}" is not NAME=NS:PORT[/PROTO][,metrics=PORT][,description=TEXT].`,
    );
  const [, name = '', namespace = '', port = '', rest = ''] = m;
  let metricsPort = 9090;
  let description = name;
  for (const part of rest.split(',').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (key === 'metrics') metricsPort = toArgument(() => parsePortNumber(v, 'metrics'));
    else if (key === 'description') description = v;
    else throw new InvalidArgumentError(`"${key}" is not metrics or description.`);
  }
  return [
    ...previous,
    { name, namespace, port: toArgument(() => parsePortSpec(port, 'port')), metricsPort, description },
  ];
}

function toArgument<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

/** `netpol init [DIR]`: write the whole network-policy system into a GitOps tree. */
export function registerInit(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('init')
    .description(
      'write baselines, profiles, shared-resource access, platform CNPs, alerts and kustomizations into a GitOps tree',
    )
    .argument('[dir]', 'target directory (default: -R, else the current directory)')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)')
    .option('--domain <domain>', 'label domain (default: network-policy.homelab)')
    .option('--gateway-namespace <ns>', 'namespace of the ingress gateways (default: istio-gateway)')
    .option('--internal-gateway <name>', 'gateway-name label of the internal gateway (default: internal)')
    .option('--external-gateway <name>', 'gateway-name label of the external gateway (default: external)')
    .option('--monitoring-namespace <ns>', 'namespace of Prometheus (default: monitoring)')
    .option(
      '--resource <spec>',
      'shared resource NAME=NS:PORT[/PROTO][,metrics=PORT][,description=TEXT] (repeatable; replaces the defaults postgres, dragonfly, garage-s3)',
      collectResource,
    )
    .option('--force', 'overwrite files whose content differs from what init writes')
    .option('--dry-run', 'show what would be written; write nothing');
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (dir: string | undefined, flags: InitFlags) =>
    (await import('../actions/init.js')).initAction(dir, flags, ctx),
  );
}
