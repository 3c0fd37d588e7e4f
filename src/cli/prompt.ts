import { NetpolError } from '../errors.js';
import type { CliIo } from './io.js';

/** Asks a person questions on the terminal. Tests inject their own through {@link PromptingIo}. */
export interface Prompter {
  /**
   * Asks a yes/no question.
   * @param message - The question.
   * @returns The answer.
   * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the person cancels (Ctrl-C).
   */
  confirm(message: string): Promise<boolean>;
}

/** A {@link CliIo} that may carry its own prompter (tests; embedding programs). */
export interface PromptingIo extends CliIo {
  readonly prompter?: Prompter;
}

/** The terminal prompter: `confirm` of @inquirer/prompts, loaded on first use. */
export const inquirerPrompter: Prompter = {
  async confirm(message) {
    const { confirm } = await import('@inquirer/prompts');
    try {
      return await confirm({ message, default: false });
    } catch (e) {
      if (e instanceof Error && e.name === 'ExitPromptError') {
        throw new NetpolError(
          'NETPOL_BAD_ARGUMENT',
          'Cancelled.',
          'Run the command again, or answer with flags.',
        );
      }
      throw e;
    }
  },
};

/**
 * The prompter for a command: the one the io carries, else the terminal's.
 * @param io - The command's io.
 * @returns The prompter.
 */
export function prompterOf(io: CliIo): Prompter {
  return (io as PromptingIo).prompter ?? inquirerPrompter;
}
