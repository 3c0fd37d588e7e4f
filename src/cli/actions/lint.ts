import { isManifestProblem } from '../../lint/manifest-codes.js';
import { rules } from '../../lint/rules/index.js';
import { createReadCache } from '../../repo/host.js';
import { checkLintConfig, lintRepo } from '../../workflows/analysis/lint.js';
import { loadForAnalysis } from '../../workflows/analysis/load.js';
import type { LintFlags } from '../commands/lint.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { VERSION } from '../main.js';
import { repoOptionsOf } from '../options.js';
import { formatDiagnostics } from '../output/diagnostics.js';
import { formatLintText } from '../output/lint-text.js';
import { sarifLog } from '../output/sarif.js';

/** The action of `netpol lint`, loaded when the command runs (its registration is in commands/lint.ts). */
export async function lintAction(flags: LintFlags, ctx: CommandContext): Promise<void> {
  // The load keeps what it read for the lint after it (the kustomizations, the files no kustomization lists).
  const loaded = await loadForAnalysis({ ...repoOptionsOf(flags, ctx.io), readCache: createReadCache() });
  const diagnostics = [
    ...loaded.diagnostics.filter((d) => d.severity !== 'info' && !isManifestProblem(d)),
    ...checkLintConfig(loaded),
  ];
  if (diagnostics.length > 0) ctx.io.stderr(formatDiagnostics(diagnostics));
  // A YAML syntax error is an invalid-manifest finding too, but the document was not read: exit 2.
  const inputErrors =
    diagnostics.filter((d) => d.severity === 'error').length +
    loaded.diagnostics.filter((d) => d.severity === 'error' && d.code === 'YAML_SYNTAX').length;
  if (inputErrors > 0) ctx.exit(ExitCode.Error);
  const report = await lintRepo(loaded, { fix: flags.fix === true });
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (flags.output === 'sarif') {
    for (const diff of report.diffs) ctx.io.stderr(diff);
    const log = sarifLog(report, { root: loaded.repo.root, version: VERSION, rules: Object.values(rules) });
    ctx.io.stdout(`${JSON.stringify(log, null, 2)}\n`);
  } else {
    const inputWarnings = diagnostics.filter((d) => d.severity === 'warning').length;
    ctx.io.stdout(formatLintText(report, inputErrors, inputWarnings));
  }
  if (report.errorCount > 0) ctx.exit(ExitCode.Findings);
}
