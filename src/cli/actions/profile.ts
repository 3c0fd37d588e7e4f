import fs from 'node:fs';
import path from 'node:path';
import { NetpolError } from '../../errors.js';
import { askerFromFlags, suggestProfile } from '../../workflows/authoring/profile-suggest.js';
import type { ProfileFlags } from '../commands/profile.js';
import type { CommandContext } from '../context.js';
import { formatProfileText, profileJson } from '../output/authoring.js';
import { prompterOf } from '../prompt.js';

/** The action of `netpol profile`, loaded when the command runs (its registration is in commands/profile.ts). */
export async function profileAction(flags: ProfileFlags, ctx: CommandContext): Promise<void> {
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
}

/** Whether a directory looks like a netpol repository (a root kustomization or a netpol.config.yaml). */
function isRepository(dir: string): boolean {
  return ['kustomization.yaml', 'kustomization.yml', 'Kustomization', 'netpol.config.yaml'].some((f) =>
    fs.existsSync(path.join(dir, f)),
  );
}
