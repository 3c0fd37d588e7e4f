import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';

export interface ProfileFlags {
  repo?: string;
  internetIngress?: boolean;
  internalIngress?: boolean;
  externalApis?: boolean;
  /** Commander's spelling of `--no-ingress`: false when given. */
  ingress?: boolean;
  output: 'text' | 'json';
}

/** `netpol profile suggest`: the seed's decision tree, from flags or questions. */
export function registerProfile(program: Command, ctx: CommandContext): void {
  const profile = program.command('profile').description('choose a namespace profile');
  const cmd = profile
    .command('suggest')
    .description("suggest a profile with the seed's decision tree (flags, or questions on a terminal)")
    .option('--internet-ingress', 'the app is reached from the internet')
    .option('--internal-ingress', 'the app is reached through the internal gateway')
    .option('--external-apis', 'the app calls external APIs over HTTPS')
    .option('--no-ingress', 'nothing reaches the app')
    .option(
      '-R, --repo <dir>',
      'repository whose profile names and label domain to use (default: the current directory, when it is one)',
    );
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (flags: ProfileFlags) =>
    (await import('../actions/profile.js')).profileAction(flags, ctx),
  );
  for (const c of [profile, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
