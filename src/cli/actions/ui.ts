import { spawn } from 'node:child_process';
import os from 'node:os';
import { InvalidArgumentError } from 'commander';
import type { UiFlags } from '../commands/ui.js';
import type { CommandContext } from '../context.js';
import { repoOptionsOf } from '../options.js';
import { flowSourceOf } from '../options-hubble.js';
import { isLoopbackHost, startUiServer } from '../ui/server.js';

/** The action of `netpol ui`, loaded when the command runs (its registration is in commands/ui.ts). */
export async function uiAction(flags: UiFlags, ctx: CommandContext): Promise<void> {
  if (flags.filename) {
    throw new InvalidArgumentError(
      'netpol ui reads a repository tree (-R DIR); it cannot use -f/--filename.',
    );
  }
  if (flags.watch !== undefined && (flags.flows !== undefined || flags.server !== undefined)) {
    throw new InvalidArgumentError(
      '--watch shows the drops of netpol watch; it cannot be combined with --flows or --server.',
    );
  }
  if (flags.flows === '-') {
    throw new InvalidArgumentError(
      'netpol ui reads flows again after each change; give --flows a file or --server a Hubble Relay, not standard input.',
    );
  }
  // A Relay is asked for the drops of the last 5 minutes (the seed's `--since 5m`) unless told otherwise.
  const live = flags.server !== undefined && flags.since === undefined && flags.last === undefined;
  const flows =
    flags.flows !== undefined || flags.server !== undefined
      ? flowSourceOf(live ? { ...flags, since: '5m' } : flags, ctx.io)
      : undefined;
  const repo = repoOptionsOf(flags, ctx.io);
  const { host, port } = flags.listen;
  if (!isLoopbackHost(host)) {
    ctx.io.stderr(
      `warning: listening on ${host}, not on loopback: anyone who reaches this address can read the repository's policies through the page\n`,
    );
  }
  const server = await startUiServer({
    repo: { ...repo, root: repo.root ?? ctx.io.cwd },
    ...(flows ? { flows } : {}),
    ...(flags.watch !== undefined ? { watchUrl: flags.watch } : {}),
    host,
    port,
    log: (line) => ctx.io.stderr(`${line}\n`),
  });
  ctx.io.stdout(`netpol ui: serving ${repo.root} at ${server.url} (read-only; Ctrl-C stops)\n`);
  if (flags.open) {
    const [command, args] = openCommand(os.platform(), server.url);
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (e) =>
      ctx.io.stderr(`warning: could not open a browser (${e.message}); open ${server.url}\n`),
    );
    child.unref();
  }
}

function openCommand(platform: string, url: string): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '', url]];
  return ['xdg-open', [url]];
}
