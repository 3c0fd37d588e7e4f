import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { NetpolError } from '../../errors.js';
import { writeFileAtomic } from '../../repo/write-files.js';
import { testConnectivity } from '../../workflows/analysis/connectivity-test.js';
import { describeFlowInput } from '../../workflows/flows/flow-source.js';
import { collectObservedTraffic } from '../../workflows/flows/observed-traffic.js';
import { assertionsFromTraffic } from '../../workflows/flows/tests-from-flows.js';
import type { TestFlags } from '../commands/test.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { flowSourceOf } from '../options-hubble.js';
import { formatDiagnostics } from '../output/diagnostics.js';
import { formatJunit } from '../output/junit.js';
import { formatTestReportText, testReportJson } from '../output/test-report.js';

/** The action of `netpol test`, loaded when the command runs (its registration is in commands/test.ts). */
export async function testAction(
  file: string | undefined,
  flags: TestFlags,
  ctx: CommandContext,
): Promise<void> {
  if (flags.fromFlows !== undefined) {
    if (file !== undefined) {
      throw new InvalidArgumentError(
        `give either an assertions FILE to check or --from-flows to write one, not both ("${file}").`,
      );
    }
    if (flags.junit !== undefined)
      throw new InvalidArgumentError('--junit applies to checking a FILE, not to --from-flows.');
    await writeFromFlows(flags, ctx, flags.fromFlows);
    return;
  }
  for (const [flag, set] of [
    ['--write', flags.write !== undefined],
    ['--since', flags.since !== undefined],
    ['--until', flags.until !== undefined],
  ] as const) {
    if (set) throw new InvalidArgumentError(`${flag} applies to --from-flows.`);
  }
  if (file === undefined) {
    throw new InvalidArgumentError('give the assertions FILE to check, or --from-flows FLOWS to write one.');
  }
  const loaded = await loadRepoForCommand(flags, ctx);
  const report = await testConnectivity(loaded.engine, path.resolve(ctx.io.cwd, file), file);
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(testReportJson(report), null, 2)}\n`);
  else ctx.io.stdout(formatTestReportText(report));
  if (flags.junit !== undefined) writeFileAtomic(path.resolve(ctx.io.cwd, flags.junit), formatJunit(report));
  // An entry that cannot be read is an input error (exit 2), not a failed assertion (fresh-user report).
  if (report.invalid > 0) ctx.exit(ExitCode.Error);
  else if (report.failed > 0) ctx.exit(ExitCode.Findings);
}

async function writeFromFlows(flags: TestFlags, ctx: CommandContext, flows: string): Promise<void> {
  if (flags.output === 'json')
    throw new InvalidArgumentError('--from-flows writes YAML: -o json does not apply.');
  const target = flags.write === undefined ? undefined : path.resolve(ctx.io.cwd, flags.write);
  if (target !== undefined && fs.existsSync(target)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `"${flags.write}" exists: netpol test --from-flows never overwrites a file.`,
      'write to a new file and merge the entries you want, or remove the old file first',
    );
  }
  const { input, filter } = flowSourceOf({ flows, since: flags.since, until: flags.until }, ctx.io);
  const loaded = await loadRepoForCommand(flags, ctx);
  const traffic = await collectObservedTraffic({ input, filter });
  ctx.io.stderr(formatDiagnostics(traffic.diagnostics, traffic.diagnosticsOmitted));
  const name = describeFlowInput(input);
  const written = assertionsFromTraffic(traffic, loaded.engine, name);
  if (target === undefined) ctx.io.stdout(written.yaml);
  else writeFileAtomic(target, written.yaml);
  let summary = `${written.assertions.length} assertion${written.assertions.length === 1 ? '' : 's'} from ${traffic.flows.length} connection${traffic.flows.length === 1 ? '' : 's'} observed in ${name}${target === undefined ? '' : `, written to ${flags.write}`}.\n`;
  if (written.notForwarded > 0) {
    summary += `${written.notForwarded} connection${written.notForwarded === 1 ? ' was' : 's were'} never forwarded (dropped or audited only): not written.\n`;
  }
  if (written.skipped.length > 0) {
    summary += `${written.skipped.length} forwarded connection${written.skipped.length === 1 ? ' is' : 's are'} denied by the repository, not written (the cluster does not run what git says, or a change is pending: see netpol drift and netpol drops):\n`;
    for (const s of written.skipped) {
      summary += `  ${s.flow.source} → ${s.flow.destination} ${s.flow.port}/${s.flow.protocol}  ${s.flow.count} flow${s.flow.count === 1 ? '' : 's'}\n`;
    }
  }
  ctx.io.stderr(summary);
}
