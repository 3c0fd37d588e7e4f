import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../hubble/filter.js';
import { loadForAnalysis } from '../../workflows/analysis/load.js';
import { type ConnectedCluster, readRepoConfig, selectClusters } from '../../workflows/live/cluster-state.js';
import { disableEscapeHatch, enableEscapeHatch } from '../../workflows/live/escape-hatch.js';
import { listEscapeHatches } from '../../workflows/live/escape-hatch-list.js';
import type { DisableFlags, HatchFlags } from '../commands/escape-hatch.js';
import type { CommandContext } from '../context.js';
import { repoOptionsOf } from '../options.js';
import { connectCluster } from '../options-cluster.js';
import { formatDisableText, formatEnableText, formatListText } from '../output/live.js';

/** The action of `netpol escape hatch`, loaded when the command runs (its registration is in commands/escape-hatch.ts). */
export async function disableAction(ns: string, flags: DisableFlags, ctx: CommandContext): Promise<void> {
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
}

/** The action of `netpol escape hatch`, loaded when the command runs (its registration is in commands/escape-hatch.ts). */
export async function enableAction(ns: string, flags: HatchFlags, ctx: CommandContext): Promise<void> {
  const result = await enableEscapeHatch(
    { ...repoOptionsOf(flags, ctx.io), namespace: ns },
    async () => (await onlyCluster(flags, ctx)).client,
  );
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else ctx.io.stdout(formatEnableText(result));
}

/** The action of `netpol escape hatch`, loaded when the command runs (its registration is in commands/escape-hatch.ts). */
export async function listAction(flags: HatchFlags, ctx: CommandContext): Promise<void> {
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

/** The one cluster a writing command talks to (`--context` once, or the current context). */
async function onlyCluster(flags: HatchFlags, ctx: CommandContext): Promise<ConnectedCluster> {
  const config = readRepoConfig(repoOptionsOf(flags, ctx.io).root ?? ctx.io.cwd);
  const [target] = selectClusters(config, flags.context ?? [], false);
  if (!target) throw new InvalidArgumentError('no cluster selected.');
  return connectCluster(flags, ctx.io, target);
}
