import { type Command, InvalidArgumentError } from 'commander';
import { NetpolError, STDIN_FILE } from '../../errors.js';
import { traceBatch, traceFlow } from '../../workflows/analysis/trace.js';
import type { TraceFlags } from '../commands/trace.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { formatBatchItem, formatTraceText, traceJson } from '../output/trace.js';

/** The action of `netpol trace`, loaded when the command runs (its registration is in commands/trace.ts). */
export async function traceAction(
  source: string | undefined,
  destination: string | undefined,
  flags: TraceFlags,
  ctx: CommandContext,
  cmd: Command,
): Promise<void> {
  if (flags.batch === undefined) {
    if (!source || !destination)
      throw new InvalidArgumentError('trace needs SOURCE and DESTINATION (or --batch FILE).');
    if (flags.port === undefined) throw new InvalidArgumentError('trace needs --port.');
  } else {
    if (source || destination)
      throw new InvalidArgumentError('--batch reads flows from a file: give no SOURCE or DESTINATION.');
    // Each batch line is one whole flow: a flag of one flow beside --batch would be silently ignored.
    const perFlow = ['port', 'protocol', 'http', 'httpHost', 'httpHeader', 'dns']
      .filter((k) => cmd.getOptionValueSource(k) === 'cli')
      .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (perFlow.length > 0)
      throw new InvalidArgumentError(
        `${perFlow.join(', ')} cannot be used with --batch: write the port, protocol and L7 request on each batch line (SOURCE DESTINATION PORT [PROTOCOL] [--http METHOD PATH | --dns NAME]).`,
      );
    // Standard input can be read once: the flow lines would be read as manifests (fresh-user report).
    if (flags.batch === '-' && (flags.filename ?? []).includes('-'))
      throw new InvalidArgumentError(
        '--batch - and -f - both read standard input: give the manifests or the flows as a file.',
      );
  }
  if (flags.http !== undefined && flags.http.length !== 2)
    throw new InvalidArgumentError('--http takes METHOD PATH, e.g. --http GET /api/v1.');
  if (flags.http === undefined && (flags.httpHost !== undefined || flags.httpHeader !== undefined))
    throw new InvalidArgumentError(
      '--http-host and --http-header describe an --http request: add --http METHOD PATH.',
    );
  const loaded = await loadRepoForCommand(flags, ctx);
  if (flags.batch !== undefined) {
    const lines = flags.batch === '-' ? ctx.io.stdinLines() : await readLines(flags.batch, ctx);
    const file = flags.batch === '-' ? STDIN_FILE : flags.batch;
    let errors = 0;
    for await (const item of traceBatch(loaded.engine, lines, { file })) {
      if ('error' in item) errors++;
      ctx.io.stdout(formatBatchItem(item, flags.output));
    }
    if (errors > 0) ctx.exit(ExitCode.Error);
    return;
  }
  const result = traceFlow(loaded.engine, {
    source: source ?? '',
    destination: destination ?? '',
    port: flags.port ?? '',
    protocol: flags.protocol,
    ...(flags.http !== undefined
      ? {
          http: {
            method: flags.http[0] ?? '',
            path: flags.http[1] ?? '',
            ...(flags.httpHost !== undefined ? { host: flags.httpHost } : {}),
            headers: flags.httpHeader ?? [],
          },
        }
      : {}),
    ...(flags.dns !== undefined ? { dns: flags.dns } : {}),
  });
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(traceJson(result), null, 2)}\n`);
  else ctx.io.stdout(formatTraceText(result));
}

async function readLines(file: string, ctx: CommandContext): Promise<AsyncIterable<string>> {
  const { createReadStream } = await import('node:fs');
  const { access } = await import('node:fs/promises');
  const { createInterface } = await import('node:readline');
  const path = (await import('node:path')).resolve(ctx.io.cwd, file);
  const { stat } = await import('node:fs/promises');
  try {
    await access(path);
  } catch {
    throw new NetpolError('NETPOL_INPUT_UNREADABLE', `cannot read batch file "${file}"`, 'check the path');
  }
  if ((await stat(path)).isDirectory()) {
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `batch file "${file}" is a directory`,
      'give a file of flows, or - for stdin',
    );
  }
  return createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
}
