import type { Command } from 'commander';
import { isManifestProblem } from '../../lint/manifest-codes.js';
import { rules } from '../../lint/rules/index.js';
import { createReadCache } from '../../repo/host.js';
import { checkLintConfig, lintRepo } from '../../workflows/analysis/lint.js';
import { loadForAnalysis } from '../../workflows/analysis/load.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { VERSION } from '../main.js';
import { addOutputFlag, addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { formatDiagnostics } from '../output/diagnostics.js';
import { formatLintText } from '../output/lint-text.js';
import { sarifLog } from '../output/sarif.js';

/** The rule ids `--help` lists (the ids hints, `lint.rules` and `netpol.dev/ignore` take). */
function rulesHelp(): string {
  const all = Object.values(rules);
  const width = Math.max(...all.map((r) => r.id.length));
  const lines = all.map((r) => `  ${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.description}`);
  return `\nRules (docs/rules/<id>.md; set severities under lint.rules in netpol.config.yaml):\n${lines.join('\n')}\n`;
}

interface LintFlags extends RepoFlags {
  output: 'text' | 'json' | 'sarif';
  fix?: boolean;
}

/**
 * `netpol lint`: checks the repository against every rule of docs/rules/. Exit code 0 when no finding is
 * an error (warnings allowed), 1 when one is, 2 when input could not be read (a missing root or no
 * manifests, an unreadable file, a YAML syntax error, an invalid netpol.config.yaml).
 */
export function registerLint(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('lint')
    .description(
      "check the policies against the system's rules (anti-patterns, platform requirements, grants); CI-ready",
    )
    .option(
      '--fix',
      'apply safe, local fixes (kustomization entries, misspelt profiles …) and print their diffs',
    );
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'json', 'sarif'], 'text');
  cmd.addHelpText('after', rulesHelp);
  cmd.action(async (flags: LintFlags) => {
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
    } else ctx.io.stdout(formatLintText(report, inputErrors));
    if (report.errorCount > 0) ctx.exit(ExitCode.Findings);
  });
}
