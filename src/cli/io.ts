import { createInterface } from 'node:readline';

/**
 * Everything the CLI touches outside itself, so commands run in-process in tests.
 * Only `bin/netpol.js` builds the real one (`nodeIo`).
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whole standard input as text. */
  readonly readStdin: () => Promise<string>;
  /** Standard input line by line (CRLF handled), for streaming commands. */
  readonly stdinLines: () => AsyncIterable<string>;
  readonly cwd: string;
  /** Whether stdout is a terminal (tables, colours, prompts). */
  readonly isTTY: boolean;
  /** Width of the terminal in columns, when stdout is one. Default: unknown. */
  readonly columns?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Calls `handler` once when the process is asked to stop (SIGTERM or SIGINT), for long-running commands
   * (`netpol watch`); returns a function that removes it. Absent where nothing can stop the process.
   */
  readonly onStopSignal?: (handler: (signal: string) => void) => () => void;
}

/**
 * The process's real IO. A closed pipe on stdout (`netpol … | head`) ends the process quietly, as
 * Unix tools do, instead of an EPIPE stack trace.
 */
export function nodeIo(): CliIo {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
    env: process.env,
    onStopSignal: (handler) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        handler(signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      return () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      };
    },
  };
}
