import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';

export interface NamespaceFlags {
  repo?: string;
  profile?: string;
  access?: string[];
  removeAccess?: string[];
  dryRun?: boolean;
  output: 'text' | 'json';
}

/** `netpol namespace set NS`: edit a namespace's profile and access-grant labels in git. */
export function registerNamespace(program: Command, ctx: CommandContext): void {
  const namespace = program
    .command('namespace')
    .description("edit namespaces' network-policy labels in the repository");
  const cmd = namespace
    .command('set')
    .description(
      'set the profile and access grants of a namespace (finds or creates its manifest, keeps comments)',
    )
    .argument('<namespace>', 'the namespace')
    .option('--profile <profile>', 'profile to set (one the repository defines)')
    .option('--access <name...>', 'access grants to add (repeatable, or comma-separated)')
    .option('--remove-access <name...>', 'access grants to remove')
    .option('--dry-run', 'print the diff; write nothing')
    .option('-R, --repo <dir>', 'repository root (default: the current directory)');
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (ns: string, flags: NamespaceFlags) =>
    (await import('../actions/namespace.js')).namespaceAction(ns, flags, ctx),
  );
  for (const c of [namespace, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
