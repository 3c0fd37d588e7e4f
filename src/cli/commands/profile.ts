import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { NetpolError } from '../../errors.js';
import { askerFromFlags, suggestProfile } from '../../workflows/authoring/profile-suggest.js';
import type { CommandContext } from '../context.js';
import { addOutputFlag } from '../options.js';
import { formatProfileText, profileJson } from '../output/authoring.js';
import { prompterOf } from '../prompt.js';

interface ProfileFlags {
  repo?: string;
  internetIngress?: boolean;
  internalIngress?: boolean;
  externalApis?: boolean;
  /** Commander's spelling of `--no-ingress`: false when given. */
  ingress?: boolean;
  output: 'text' | 'json';
}

/** Whether a directory looks like a netpol repository (a root kustomization or a netpol.config.yaml). */
function isRepository(dir: string): boolean {
  return ['kustomization.yaml', 'kustomization.yml', 'Kustomization', 'netpol.config.yaml'].some((f) =>
    fs.existsSync(path.join(dir, f)),
  );
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
  cmd.action(async (flags: ProfileFlags) => {
    let ask = askerFromFlags({
      ...(flags.internetIngress ? { internetIngress: true } : {}),
      ...(flags.internalIngress ? { internalIngress: true } : {}),
      ...(flags.externalApis ? { externalApis: true } : {}),
      ...(flags.ingress === false ? { noIngress: true } : {}),
    });
    if (ask === null) {
      if (!ctx.io.isTTY) {
        throw new NetpolError(
          'NETPOL_BAD_ARGUMENT',
          'profile suggest needs answers: give --internet-ingress, --internal-ingress, --external-apis or --no-ingress (questions are asked only on a terminal).',
          'e.g. netpol profile suggest --internal-ingress --external-apis',
        );
      }
      const prompter = prompterOf(ctx.io);
      ask = (step) => prompter.confirm(step.prompt);
    }
    const root =
      flags.repo !== undefined
        ? path.resolve(ctx.io.cwd, flags.repo)
        : isRepository(ctx.io.cwd)
          ? ctx.io.cwd
          : undefined;
    const s = await suggestProfile({ ask, ...(root !== undefined ? { root } : {}) });
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(profileJson(s), null, 2)}\n`);
    else ctx.io.stdout(formatProfileText(s));
  });
  for (const c of [profile, cmd]) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
}
