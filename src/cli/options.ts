import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ClusterSettings } from '../repo/model.js';
import type { RepoOptions } from '../workflows/analysis/load.js';
import type { CliIo } from './io.js';
import type { TextLayout } from './output/table.js';

/** Raw values of the repository flags shared by every command that reads a repository. */
export interface RepoFlags {
  repo?: string;
  cluster?: string;
  filename?: string[];
  var?: Record<string, string>;
  policyEnforcementMode?: ClusterSettings['policyEnforcementMode'];
  policyCidrMatchMode?: string;
  allowLocalhost?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function collectVar(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not key=value.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function parseBool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`"${value}" is not true or false.`);
}

/** Adds `-R/--repo`, `-f/--filename`, `--var` and the cluster-setting flags to a command. */
export function addRepoFlags(cmd: Command): Command {
  return cmd
    .option('-R, --repo <dir>', 'repository root or cluster entry folder (default: the current directory)')
    .option('--cluster <name>', 'the Flux cluster to read when the repository holds several (name or path)')
    .option(
      '-f, --filename <file>',
      'read rendered manifests from FILE instead of the tree (repeatable; - for stdin)',
      collect,
    )
    .option('--var <key=value>', 'Flux post-build substitution variable (repeatable)', collectVar)
    .addOption(
      new Option(
        '--policy-enforcement-mode <mode>',
        'Cilium policyEnforcementMode (default: from netpol.config.yaml, else default)',
      ).choices(['default', 'always', 'never']),
    )
    .addOption(
      new Option('--policy-cidr-match-mode <mode>', 'Cilium policyCIDRMatchMode: "" or nodes').choices([
        '',
        'nodes',
      ]),
    )
    .option(
      '--allow-localhost <bool>',
      'whether the local node always reaches its pods (default: true)',
      parseBool,
    );
}

/** Turns the repository flags into workflow options. */
export function repoOptionsOf(flags: RepoFlags, io: CliIo): RepoOptions {
  const settings: Partial<ClusterSettings> = {
    ...(flags.policyEnforcementMode ? { policyEnforcementMode: flags.policyEnforcementMode } : {}),
    ...(flags.policyCidrMatchMode !== undefined
      ? { policyCIDRMatchMode: flags.policyCidrMatchMode === 'nodes' ? ['nodes' as const] : [] }
      : {}),
    ...(flags.allowLocalhost !== undefined ? { allowLocalhost: flags.allowLocalhost } : {}),
  };
  return {
    root: path.resolve(io.cwd, flags.repo ?? '.'),
    ...(flags.filename
      ? { files: flags.filename.map((f) => (f === '-' ? f : path.resolve(io.cwd, f))) }
      : {}),
    ...(flags.var ? { vars: flags.var } : {}),
    ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
    settings,
    readStdin: io.readStdin,
  };
}

/**
 * The layout of text output: fitted to the terminal when stdout is one, full (no width) with `-o wide`
 * or when stdout is a pipe or a file.
 */
export function layoutOf(io: CliIo, output: string): TextLayout {
  if (output === 'wide') return { wide: true };
  return io.isTTY && io.columns !== undefined ? { width: io.columns } : {};
}

/** Adds `-o/--output` with the given choices. */
export function addOutputFlag<T extends string>(cmd: Command, choices: readonly T[], def: T): Command {
  return cmd.addOption(
    new Option('-o, --output <format>', 'output format').choices([...choices]).default(def),
  );
}
