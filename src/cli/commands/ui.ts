import { type Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from '../context.js';
import { addRepoFlags, type RepoFlags } from '../options.js';
import { addHubbleFlags, type HubbleFlags } from '../options-hubble.js';

export interface UiFlags extends RepoFlags, HubbleFlags {
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
  cmd.action(async (flags: UiFlags) => (await import('../actions/ui.js')).uiAction(flags, ctx));
}
