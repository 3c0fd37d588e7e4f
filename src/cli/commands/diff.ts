import { type Command, InvalidArgumentError } from 'commander';
import type { Diagnostic } from '../../errors.js';
import { diffRevisions } from '../../workflows/analysis/diff.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag, addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { diffJson, formatDiffMarkdown, formatDiffText } from '../output/diff.js';

interface DiffFlags extends RepoFlags {
  base: string;
  head?: string;
  failOnOpen?: boolean;
  output: 'text' | 'json' | 'markdown';
}

/** `netpol diff --base REV [--head REV]`: the connectivity a change opens and closes. */
export function registerDiff(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('diff')
    .description(
      'report the connectivity a change opens and closes: the matrix cells that flip between two git revisions, with the rules responsible',
    )
    .requiredOption(
      '--base <rev>',
      'the revision to compare against (branch, tag or commit), e.g. origin/main',
    )
    .option('--head <rev>', 'the revision with the change (default: the working tree)')
    .option(
      '--fail-on-open',
      'exit with code 1 when the change may open a path: a cell flips to allowed, or a policy gains an allow element or loses a deny',
    );
  addRepoFlags(cmd);
  // Both sides come from git: -f is refused below and kept out of the help.
  for (const o of cmd.options) if (o.long === '--filename') o.hideHelp();
  addOutputFlag(cmd, ['text', 'json', 'markdown'], 'text');
  cmd.action(async (flags: DiffFlags) => {
    if (flags.filename !== undefined) {
      throw new InvalidArgumentError(
        'diff reads both revisions from git: -f/--filename cannot be used with it.',
      );
    }
    const options = repoOptionsOf(flags, ctx.io);
    const diff = await diffRevisions({
      root: options.root ?? ctx.io.cwd,
      base: flags.base,
      ...(flags.head !== undefined ? { head: flags.head } : {}),
      ...(options.vars !== undefined ? { vars: options.vars } : {}),
      ...(options.settings !== undefined ? { settings: options.settings } : {}),
    });
    const { base, head } = diff.diagnostics;
    ctx.io.stderr(formatDiagnostics(visible(head)));
    const headKeys = new Set(head.map(diagnosticKey));
    const baseOnly = visible(base).filter((d) => !headKeys.has(diagnosticKey(d)));
    if (baseOnly.length > 0) {
      ctx.io.stderr(
        formatDiagnostics(baseOnly)
          .split('\n')
          .map((l) => (l === '' ? l : `[base ${flags.base}] ${l}`))
          .join('\n'),
      );
    }
    if (hasInputErrors(head)) ctx.exit(ExitCode.Error);
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(diffJson(diff), null, 2)}\n`);
    else if (flags.output === 'markdown') ctx.io.stdout(formatDiffMarkdown(diff));
    else ctx.io.stdout(formatDiffText(diff));
    // A path opens when a cell flips to allowed; a policy change that adds an allow element or drops a
    // deny (PolicyChange.mayOpen) may open paths the matrix does not show, so it counts too.
    const p = diff.policies;
    const mayOpen = [...p.added, ...p.removed, ...p.changed].some((c) => c.mayOpen);
    if (flags.failOnOpen && (diff.summary.added > 0 || mayOpen)) ctx.exit(ExitCode.Findings);
  });
}

function visible(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity !== 'info');
}

function diagnosticKey(d: Diagnostic): string {
  return `${d.code}\u0000${d.source?.file ?? ''}\u0000${d.message}`;
}
