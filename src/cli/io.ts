import { fstatSync } from 'node:fs';
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
   * Calls `handler` once when the process is asked to stop (SIGTERM or SIGINT, or `EPIPE`: the reader of stdout
   * is gone), for long-running commands (`netpol watch`, `drops --follow`); returns a function that removes it.
   * Absent where nothing can stop the process.
   */
  readonly onStopSignal?: (handler: (signal: string) => void) => () => void;
}

/**
 * The process's real IO. A closed pipe on stdout (`netpol … | head -1`) is handled once, here: the output is
 * dropped quietly from then on (no EPIPE stack trace), the command still runs to its end, so the process exits
 * with the code the command would have had (1 for lint findings, 2 for a bad batch line …); a stream read from
 * a pipe on standard input (`--flows -`, `trace --batch -`, which may never end) stops at its next line, and
 * the command ends with the code it had; long-running
 * commands are asked to stop as by SIGTERM (their `onStopSignal` handlers get `EPIPE`).
 */
export function nodeIo(): CliIo {
  let stdoutClosed = false;
  const stopHandlers = new Set<(signal: string) => void>();
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (stdoutClosed) return;
    stdoutClosed = true;
    for (const handler of [...stopHandlers]) handler('EPIPE');
  });
  return {
    stdout: (t) => {
      if (!stdoutClosed) process.stdout.write(t);
    },
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    // A redirected file ends: it is read to its end. A pipe or terminal may never end: it stops with the output.
    stdinLines: () => stdinLinesUntil(() => stdoutClosed && !stdinIsFile()),
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
    env: process.env,
    onStopSignal: (handler) => {
      const remove = (): void => {
        stopHandlers.delete(onStop);
        process.off('SIGTERM', onStop);
        process.off('SIGINT', onStop);
      };
      const onStop = (signal: string): void => {
        remove();
        handler(signal);
      };
      stopHandlers.add(onStop);
      process.on('SIGTERM', onStop);
      process.on('SIGINT', onStop);
      return remove;
    },
  };
}

/** Whether standard input is a regular file (`< FILE`), which ends, rather than a pipe or terminal. */
function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

/** Standard input line by line (CRLF handled), ending at the next line once `stop()` is true. */
async function* stdinLinesUntil(stop: () => boolean): AsyncGenerator<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (stop()) break;
      yield line;
    }
  } finally {
    lines.close();
    if (stop()) process.stdin.destroy();
  }
}
