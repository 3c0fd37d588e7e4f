import { Command, CommanderError } from 'commander';
import { NetpolError } from '../errors.js';
import { registerAccess } from './commands/access.js';
import { registerDiff } from './commands/diff.js';
import { registerDiscover } from './commands/discover.js';
import { registerDrift } from './commands/drift.js';
import { registerDrops } from './commands/drops.js';
import { registerEscapeHatch } from './commands/escape-hatch.js';
import { registerInit } from './commands/init.js';
import { loadLintHelp, registerLint } from './commands/lint.js';
import { registerMatrix } from './commands/matrix.js';
import { registerNamespace } from './commands/namespace.js';
import { registerPlatform } from './commands/platform.js';
import { registerProfile } from './commands/profile.js';
import { registerRender } from './commands/render.js';
import { registerStatus } from './commands/status.js';
import { registerTest } from './commands/test.js';
import { registerTrace } from './commands/trace.js';
import { registerUi } from './commands/ui.js';
import { registerVerify } from './commands/verify.js';
import { registerWatch } from './commands/watch.js';
import type { CommandContext } from './context.js';
import { ExitCode, exitCodesHelp } from './exit-codes.js';
import type { CliIo } from './io.js';
import { formatDiagnostics } from './output/diagnostics.js';

/** The package version printed by `--version`. */
export const VERSION = '0.1.0';

/** Builds the commander program with every command registered, writing through `io`. */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command('netpol')
    .description('Read a GitOps repository of Cilium network policies as Cilium would.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${exitCodesHelp()}`)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  registerTrace(program, ctx);
  registerMatrix(program, ctx);
  registerRender(program, ctx);
  registerTest(program, ctx);
  registerDiff(program, ctx);
  registerDrops(program, ctx);
  registerVerify(program, ctx);
  registerDiscover(program, ctx);
  registerWatch(program, ctx);
  registerLint(program, ctx);
  registerInit(program, ctx);
  registerProfile(program, ctx);
  registerNamespace(program, ctx);
  registerPlatform(program, ctx);
  registerAccess(program, ctx);
  registerEscapeHatch(program, ctx);
  registerStatus(program, ctx);
  registerDrift(program, ctx);
  registerUi(program, ctx);
  for (const c of program.commands) {
    c.exitOverride().configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    });
  }
  return program;
}

/**
 * Runs netpol with `argv` (without node and script) and returns the exit code. Never throws and never
 * exits the process: usage errors and NetpolErrors print one message (and a hint) and return 2.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let code: ExitCode = ExitCode.Ok;
  const ctx: CommandContext = {
    io,
    exit: (c) => {
      if (c > code) code = c;
    },
  };
  const program = createProgram(ctx);
  const group = helpOnly(program, argv);
  if (group) {
    // `netpol` alone, or a command group alone (`netpol profile`), prints its help on stdout: exit 0,
    // as kubectl and hubble do.
    group.outputHelp();
    return ExitCode.Ok;
  }
  const swallowed = flagTakenAsValue(program, argv);
  if (swallowed) {
    io.stderr(`error: ${swallowed.message}\nhint: ${swallowed.hint}\n`);
    return ExitCode.Error;
  }
  // `lint --help` ends with the rule list: the rules load only when a help may be printed.
  if (argv.includes('lint') && argv.some((a) => a === '--help' || a === '-h' || a === 'help')) {
    await loadLintHelp();
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return ExitCode.Ok;
      }
      if (e.code === 'commander.invalidArgument' && !e.message.startsWith('error:')) {
        io.stderr(`error: ${e.message}\n`);
      }
      return ExitCode.Error;
    }
    if (e instanceof NetpolError) {
      io.stderr(formatDiagnostics(e.diagnostics));
      io.stderr(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return ExitCode.Error;
    }
    const err = e as Error;
    io.stderr(
      `netpol: internal error: ${err?.message ?? String(e)}\n${err?.stack ?? ''}\nPlease report this as a bug.\n`,
    );
    return ExitCode.Error;
  }
  return code;
}

/** The command whose help `argv` asks for by naming only it: the program, or a group without its subcommand. */
function helpOnly(program: Command, argv: readonly string[]): Command | undefined {
  let cmd = program;
  for (const word of argv) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return undefined;
    cmd = sub;
  }
  return cmd.commands.length > 0 ? cmd : undefined;
}

/** A word that reads as a flag (`-R`, `--dns`, `-o=json`), not as a value such as `-` (stdin) or `-5`. */
const FLAG_LIKE = /^--?[A-Za-z]/;

/**
 * An option that takes a value followed by a flag instead (`trace a b --dns -R dir`): commander would take
 * `-R` as the DNS name and `dir` as an argument. Returns the message and hint to refuse it with, or
 * undefined. A value that really starts with `-` is still accepted in the `--dns=-x` form.
 * @param program - The program, to find the command `argv` names and the options it declares.
 * @param argv - The arguments, without node and script.
 */
function flagTakenAsValue(
  program: Command,
  argv: readonly string[],
): { message: string; hint: string } | undefined {
  let cmd = program;
  const scope = [program];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') return undefined;
    if (!FLAG_LIKE.test(word)) {
      const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
      if (sub) {
        cmd = sub;
        scope.push(sub);
      }
      continue;
    }
    const option = scope.flatMap((c) => c.options).find((o) => o.long === word || o.short === word);
    if (!option?.required) continue;
    const next = argv[i + 1];
    if (next !== undefined && FLAG_LIKE.test(next)) {
      const name = option.long ?? word;
      return {
        message: `option '${option.flags}' needs a value, but the next word is the flag "${next}".`,
        hint: `Give ${name} its value (${name} VALUE); if the value itself starts with "-", write ${name}=${next}.`,
      };
    }
    i++;
  }
  return undefined;
}
