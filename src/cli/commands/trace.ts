import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';

export interface TraceFlags extends RepoFlags {
  port?: string;
  protocol: string;
  batch?: string;
  http?: string[];
  httpHost?: string;
  httpHeader?: string[];
  dns?: string;
  output: 'text' | 'json';
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `netpol trace SOURCE DESTINATION --port N` and `netpol trace --batch FILE|-`. */
export function registerTrace(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('trace')
    .description(
      'explain whether a flow is allowed and by which rules (egress of the source, ingress of the destination)',
    )
    .argument(
      '[source]',
      'NS, NS/key=value[,key=value], world:IP, world:NAME[=IP], kube-apiserver, host[@NODE], remote-node[@NODE], health or ns:NAME',
    )
    .argument('[destination]', 'same syntax as SOURCE')
    .option('--port <port>', 'destination port (ICMP type with --protocol ICMP)')
    .option('--protocol <protocol>', 'TCP, UDP, SCTP, ICMP or ICMPv6', 'TCP')
    .option(
      '--batch <file>',
      'trace every line "SOURCE DESTINATION PORT [PROTOCOL] [--http METHOD PATH …|--dns NAME]" of FILE (- for stdin)',
    )
    .option('--http <request...>', 'evaluate the HTTP rules for this request: METHOD PATH (e.g. GET /api/v1)')
    .option('--http-host <host>', 'the Host of the --http request')
    .option('--http-header <name:value>', 'a header of the --http request (repeatable)', collect)
    .option('--dns <name>', 'evaluate the DNS rules for a query of NAME');
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (source: string | undefined, destination: string | undefined, flags: TraceFlags) =>
    (await import('../actions/trace.js')).traceAction(source, destination, flags, ctx, cmd),
  );
}
