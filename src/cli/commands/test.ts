import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../repo/write-files.js';
import { testConnectivity } from '../../workflows/analysis/connectivity-test.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import { formatJunit } from '../output/junit.js';
import { formatTestReportText, testReportJson } from '../output/test-report.js';

interface TestFlags extends RepoFlags {
  junit?: string;
  output: 'text' | 'json';
}

/** `netpol test FILE`: connectivity assertions kept in the repository, checked with the engine. */
export function registerTest(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('test')
    .description(
      'check connectivity assertions (a YAML list of {from, to, port, protocol, expect: allowed|denied, because}) against the policies',
    )
    .argument('<file>', 'the assertions file, relative to the current directory')
    .option('--junit <file>', 'also write the results as JUnit XML to FILE (for CI test reports)');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (file: string, flags: TestFlags) => {
    const loaded = await loadRepoForCommand(flags, ctx);
    const report = await testConnectivity(loaded.engine, path.resolve(ctx.io.cwd, file), file);
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(testReportJson(report), null, 2)}\n`);
    else ctx.io.stdout(formatTestReportText(report));
    if (flags.junit !== undefined)
      writeFileAtomic(path.resolve(ctx.io.cwd, flags.junit), formatJunit(report));
    if (report.failed > 0) ctx.exit(ExitCode.Findings);
  });
}
