import { spawn } from 'node:child_process';
import os from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from '../context.js';
import { addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { addHubbleFlags, flowSourceOf, type HubbleFlags } from '../options-hubble.js';
import { isLoopbackHost, startUiServer } from '../ui/server.js';

interface UiFlags extends RepoFlags, HubbleFlags {
  watch?: string;
  listen: { host: string; port: number };
  open?: boolean;
}

/** Parses `--listen HOST:PORT` (`[::1]:7070` for IPv6; PORT 0 picks a free one). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not HOST:PORT (e.g. 127.0.0.1:7070).`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

function watchUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (e.g. http://127.0.0.1:9090).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`"${value}" is not an http(s) URL.`);
  }
  return url.href;
}

function openCommand(platform: string, url: string): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '', url]];
  return ['xdg-open', [url]];
}

/** `netpol ui`: serve the local web view of the repository until interrupted. */
export function registerUi(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('ui')
    .description(
      'serve a local, read-only web view: system, connectivity graph, trace, drops (with --flows, --server or --watch) and what-if',
    )
    .option(
      '--listen <host:port>',
      'address to listen on (default: 127.0.0.1:7070; anything but loopback is reachable by others)',
      parseListen,
      { host: '127.0.0.1', port: 7070 },
    )
    .option(
      '--watch <url>',
      'show the drops of a running `netpol watch` at URL (e.g. http://127.0.0.1:9090)',
      watchUrl,
    )
    .option('--open', 'open the page in the default browser');
  addHubbleFlags(cmd, { filters: true });
  addRepoFlags(cmd);
  cmd.action(async (flags: UiFlags) => {
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
  });
}
