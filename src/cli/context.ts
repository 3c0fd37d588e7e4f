import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** What a command needs from the shell: IO and a way to set the exit code. */
export interface CommandContext {
  readonly io: CliIo;
  /** Raises the exit code (the highest wins). */
  readonly exit: (code: ExitCode) => void;
}
