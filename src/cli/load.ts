import { type LoadedRepo, loadForAnalysis } from '../workflows/analysis/load.js';
import type { CommandContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { type RepoFlags, repoOptionsOf } from './options.js';
import { formatDiagnostics, hasInputErrors } from './output/diagnostics.js';

/**
 * Loads the repository the flags name, prints its warnings and errors on stderr and raises the exit code
 * to 2 when one is an error; the command goes on with the rest of the repository.
 * @throws NetpolError NETPOL_REPO_NOT_FOUND, NETPOL_NO_MANIFESTS (see `loadForAnalysis`).
 */
export async function loadRepoForCommand(flags: RepoFlags, ctx: CommandContext): Promise<LoadedRepo> {
  const loaded = await loadForAnalysis(repoOptionsOf(flags, ctx.io));
  ctx.io.stderr(formatDiagnostics(loaded.diagnostics.filter((d) => d.severity !== 'info')));
  if (hasInputErrors(loaded.diagnostics)) ctx.exit(ExitCode.Error);
  return loaded;
}
