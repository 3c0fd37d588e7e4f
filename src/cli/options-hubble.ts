import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { FlowFilterFlags } from '../hubble/filter.js';
import type { FlowInput } from '../workflows/flows/flow-source.js';
import type { CliIo } from './io.js';

/** Raw values of the flow-source flags shared by `drops`, `verify` and `discover` (names follow `hubble observe`). */
export interface HubbleFlags {
  flows?: string;
  server?: string;
  tls?: boolean;
  tlsCaCertFiles?: string[];
  tlsServerName?: string;
  tlsClientCertFile?: string;
  tlsClientKeyFile?: string;
  since?: string;
  until?: string;
  last?: string;
  follow?: boolean;
  namespace?: string[];
  fromNamespace?: string[];
  toNamespace?: string[];
  port?: string[];
  fromPort?: string[];
  toPort?: string[];
  protocol?: string[];
  identity?: string[];
  fromIdentity?: string[];
  toIdentity?: string[];
}

/**
 * Commander argument parser for a namespace name (DNS-1123 label).
 * @param value - the argument.
 * @throws InvalidArgumentError when the value is not a namespace name.
 */
export function namespaceArgument(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError(`"${value}" is not a namespace name.`);
  }
  return value;
}

/** Which flag groups a command takes. */
export interface HubbleFlagOptions {
  /** The `hubble observe` filters (`-n`, `--from-namespace`, `--port` …). Default: `false`. */
  readonly filters?: boolean;
  /** `--follow`. Default: `false`. */
  readonly follow?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/**
 * Adds the Hubble Relay flags of `hubble observe`: `--server HOST:PORT`, `--tls`, `--tls-ca-cert-files`,
 * `--tls-server-name`, `--tls-client-cert-file`, `--tls-client-key-file`.
 * @param cmd - the command.
 */
export function addRelayFlags(cmd: Command): Command {
  return cmd
    .option('--server <host:port>', 'Hubble Relay address (default: localhost:4245, as hubble)')
    .option('--tls', 'connect to Hubble Relay with TLS')
    .option(
      '--tls-ca-cert-files <files>',
      'PEM CA certificates for the Relay (comma-separated or repeated)',
      collectList,
    )
    .option('--tls-server-name <name>', 'name to verify the Relay certificate against')
    .option('--tls-client-cert-file <file>', 'PEM client certificate for mutual TLS')
    .option('--tls-client-key-file <file>', 'PEM client key for mutual TLS');
}

/**
 * Adds the flow-source flags: `--flows FILE|-`, `--server HOST:PORT` and hubble's TLS flags, `--since`, `--until`,
 * `--last`, and optionally `--follow` and the `hubble observe` filters.
 * @param cmd - the command.
 * @param options - which optional groups to add.
 */
export function addHubbleFlags(cmd: Command, options: HubbleFlagOptions = {}): Command {
  cmd.option(
    '--flows <file>',
    'read `hubble observe -o json|jsonpb` output from FILE (- for standard input) instead of Hubble Relay',
  );
  addRelayFlags(cmd)
    .option('--since <time>', 'flows since this duration ago (5m, 1h30m) or timestamp (RFC 3339)')
    .option('--until <time>', 'flows until this duration ago or timestamp')
    .option('--last <n>', 'only the last N matching flows');
  if (options.follow) {
    cmd.option(
      '--follow',
      'keep reading new flows from the Relay (or standard input) and print groups as they appear',
    );
  }
  if (options.filters) {
    cmd
      .option('-n, --namespace <ns>', 'flows from or to this namespace (repeatable)', collect)
      .option('--from-namespace <ns>', 'flows from this namespace (repeatable)', collect)
      .option('--to-namespace <ns>', 'flows to this namespace (repeatable)', collect)
      .option('--port <port>', 'flows with this source or destination port (repeatable)', collect)
      .option('--from-port <port>', 'flows with this source port (repeatable)', collect)
      .option('--to-port <port>', 'flows with this destination port (repeatable)', collect)
      .option(
        '--protocol <name>',
        'tcp, udp, sctp, icmp, icmpv4, icmpv6, dns, http or kafka (repeatable)',
        collect,
      )
      .option(
        '--identity <id>',
        'flows from or to this identity: a number or world, host … (repeatable)',
        collect,
      )
      .option('--from-identity <id>', 'flows from this identity (repeatable)', collect)
      .option('--to-identity <id>', 'flows to this identity, e.g. world (repeatable)', collect);
  }
  return cmd;
}

/**
 * Turns the flow-source flags into a workflow's input and filter flags.
 * @param flags - the parsed flags.
 * @param io - for the working directory and standard input.
 * @param namespaces - namespaces named by a positional argument, added to `--namespace`.
 * @throws InvalidArgumentError for flags that cannot be combined (`--flows` with `--server`, TLS or `--follow` with a
 *   file).
 */
export function flowSourceOf(
  flags: HubbleFlags,
  io: CliIo,
  namespaces: readonly string[] = [],
): { input: FlowInput; filter: FlowFilterFlags } {
  const tlsFlags = [
    flags.tls ? '--tls' : undefined,
    flags.tlsCaCertFiles ? '--tls-ca-cert-files' : undefined,
    flags.tlsServerName !== undefined ? '--tls-server-name' : undefined,
    flags.tlsClientCertFile !== undefined ? '--tls-client-cert-file' : undefined,
    flags.tlsClientKeyFile !== undefined ? '--tls-client-key-file' : undefined,
  ].filter((f): f is string => f !== undefined);
  let input: FlowInput;
  if (flags.flows !== undefined) {
    if (flags.server !== undefined) {
      throw new InvalidArgumentError(
        '--flows and --server cannot be combined: read a capture or a Relay, not both.',
      );
    }
    if (tlsFlags.length > 0) {
      throw new InvalidArgumentError(`${tlsFlags[0]} applies to --server, not to --flows.`);
    }
    if (flags.flows === '-') {
      input = { kind: 'stream', stream: linesAsChunks(io.stdinLines()), name: '-' };
    } else {
      if (flags.follow) {
        throw new InvalidArgumentError(
          '--follow reads a Relay or standard input, not a file: use --server, or pipe `hubble observe --follow -o json` into --flows -.',
        );
      }
      input = { kind: 'file', path: path.resolve(io.cwd, flags.flows), name: flags.flows };
    }
  } else {
    input = {
      kind: 'relay',
      ...relayOptionsOf(flags, io),
      ...(flags.follow !== undefined && { follow: flags.follow }),
    };
  }
  const namespace = [...namespaces, ...(flags.namespace ?? [])];
  const filter: FlowFilterFlags = {
    ...(namespace.length > 0 && { namespace }),
    ...(flags.fromNamespace && { fromNamespace: flags.fromNamespace }),
    ...(flags.toNamespace && { toNamespace: flags.toNamespace }),
    ...(flags.port && { port: flags.port }),
    ...(flags.fromPort && { fromPort: flags.fromPort }),
    ...(flags.toPort && { toPort: flags.toPort }),
    ...(flags.protocol && { protocol: flags.protocol }),
    ...(flags.identity && { identity: flags.identity }),
    ...(flags.fromIdentity && { fromIdentity: flags.fromIdentity }),
    ...(flags.toIdentity && { toIdentity: flags.toIdentity }),
    ...(flags.since !== undefined && { since: flags.since }),
    ...(flags.until !== undefined && { until: flags.until }),
    ...(flags.last !== undefined && { last: flags.last }),
  };
  return { input, filter };
}

/** The Relay flags of {@link addRelayFlags}. */
export type RelayFlags = Pick<
  HubbleFlags,
  'server' | 'tls' | 'tlsCaCertFiles' | 'tlsServerName' | 'tlsClientCertFile' | 'tlsClientKeyFile'
>;

/**
 * The Relay address and TLS settings from the flags, files resolved against the working directory.
 * @param flags - the parsed flags.
 * @param io - for the working directory.
 * @throws InvalidArgumentError when `--server` is not HOST:PORT.
 */
export function relayOptionsOf(
  flags: RelayFlags,
  io: CliIo,
): {
  server: string;
  tls?: boolean;
  tlsCaCertFiles?: string[];
  tlsServerName?: string;
  tlsClientCertFile?: string;
  tlsClientKeyFile?: string;
} {
  const server = flags.server ?? 'localhost:4245';
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/.test(server)) {
    throw new InvalidArgumentError(`--server value "${server}" is not HOST:PORT (e.g. localhost:4245).`);
  }
  return {
    server,
    ...(flags.tls !== undefined && { tls: flags.tls }),
    ...(flags.tlsCaCertFiles && {
      tlsCaCertFiles: flags.tlsCaCertFiles.map((f) => path.resolve(io.cwd, f)),
    }),
    ...(flags.tlsServerName !== undefined && { tlsServerName: flags.tlsServerName }),
    ...(flags.tlsClientCertFile !== undefined && {
      tlsClientCertFile: path.resolve(io.cwd, flags.tlsClientCertFile),
    }),
    ...(flags.tlsClientKeyFile !== undefined && {
      tlsClientKeyFile: path.resolve(io.cwd, flags.tlsClientKeyFile),
    }),
  };
}

/** Standard input lines back into newline-terminated chunks, so each line is read as soon as it arrives. */
async function* linesAsChunks(lines: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  for await (const line of lines) yield `${line}\n`;
}
