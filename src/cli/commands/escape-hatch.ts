import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../hubble/filter.js';
import { loadForAnalysis } from '../../workflows/analysis/load.js';
import { type ConnectedCluster, readRepoConfig, selectClusters } from '../../workflows/live/cluster-state.js';
import { disableEscapeHatch, enableEscapeHatch } from '../../workflows/live/escape-hatch.js';
import { listEscapeHatches } from '../../workflows/live/escape-hatch-list.js';
import type { CommandContext } from '../context.js';
import { addOutputFlag, repoOptionsOf } from '../options.js';
import { addClusterFlags, type ClusterFlags, connectCluster } from '../options-cluster.js';
import { namespaceArgument } from '../options-hubble.js';
import { formatDisableText, formatEnableText, formatListText } from '../output/live.js';

interface HatchFlags extends ClusterFlags {
  repo?: string;
  output: 'text' | 'json';
}

interface DisableFlags extends HatchFlags {
  reason?: string;
  for?: string;
  dryRun?: boolean;
  force?: boolean;
}

function durationFlag(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a duration like 30m or 4h (Go duration; no d unit).`);
  }
  if (ms <= 0) throw new InvalidArgumentError(`"${value}" must be a positive duration.`);
  return ms;
}

/** `netpol escape-hatch disable|enable|list`: the seed's emergency escape hatch, run safely. */
export function registerEscapeHatch(program: Command, ctx: CommandContext): void {
  const group = program
    .command('escape-hatch')
    .description(
      "turn a namespace's network-policy enforcement off and on again (the seed's escape hatch), with audit",
    );

  const disable = group
    .command('disable')
    .description(
      'set the escape-hatch label on a namespace, after showing what it opens; records who, when, why and an Event',
    )
    .argument('<namespace>', 'the namespace', namespaceArgument)
    .option('--reason <text>', 'why (required): incident id and symptom')
    .option('--for <duration>', 'how long it may stay off (recorded; list marks it overdue after), e.g. 2h')
    .option('--dry-run', 'show what the label opens and the patch; write nothing')
    .option('--force', 'allow a platform namespace')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addClusterFlags(disable, false);
  addOutputFlag(disable, ['text', 'json'], 'text');
  disable.action(async (ns: string, flags: DisableFlags) => {
    if (flags.reason === undefined || flags.reason.trim() === '') {
      throw new InvalidArgumentError(
        '--reason is required: say why enforcement is turned off (e.g. "INC-123: checkout cannot reach payments").',
      );
    }
    const forMs = flags.for !== undefined ? durationFlag(flags.for) : undefined;
    const result = await disableEscapeHatch(
      {
        ...repoOptionsOf(flags, ctx.io),
        namespace: ns,
        reason: flags.reason,
        ...(forMs !== undefined ? { forMs } : {}),
        dryRun: flags.dryRun === true,
        force: flags.force === true,
      },
      async () => (await onlyCluster(flags, ctx)).client,
    );
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else ctx.io.stdout(formatDisableText(result));
  });

  const enable = group
    .command('enable')
    .description(
      'remove the escape-hatch label and annotations; says how long enforcement was off and what to fix',
    )
    .argument('<namespace>', 'the namespace', namespaceArgument)
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addClusterFlags(enable, false);
  addOutputFlag(enable, ['text', 'json'], 'text');
  enable.action(async (ns: string, flags: HatchFlags) => {
    const result = await enableEscapeHatch(
      { ...repoOptionsOf(flags, ctx.io), namespace: ns },
      async () => (await onlyCluster(flags, ctx)).client,
    );
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else ctx.io.stdout(formatEnableText(result));
  });

  const list = group
    .command('list')
    .description(
      'every namespace with enforcement disabled in every named cluster: since, by, reason, until, alert state',
    )
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addClusterFlags(list, true);
  addOutputFlag(list, ['text', 'json'], 'text');
  list.action(async (flags: HatchFlags) => {
    const options = repoOptionsOf(flags, ctx.io);
    const loaded = await loadForAnalysis(options);
    const targets = await Promise.all(
      selectClusters(loaded.repo.config, flags.context ?? [], true).map((t) =>
        connectCluster(flags, ctx.io, t),
      ),
    );
    const result = await listEscapeHatches(loaded, targets);
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else ctx.io.stdout(formatListText(result));
  });
}

/** The one cluster a writing command talks to (`--context` once, or the current context). */
async function onlyCluster(flags: HatchFlags, ctx: CommandContext): Promise<ConnectedCluster> {
  const config = readRepoConfig(repoOptionsOf(flags, ctx.io).root ?? ctx.io.cwd);
  const [target] = selectClusters(config, flags.context ?? [], false);
  if (!target) throw new InvalidArgumentError('no cluster selected.');
  return connectCluster(flags, ctx.io, target);
}
