/**
 * Exit codes (ESLint's convention): 0 clean; 1 findings at or above the threshold, a failed assertion or
 * a refused edit; 2 usage error, fatal error or input netpol could not read. {@link EXIT_CODES} is the one
 * table every command follows; `netpol --help` and the README print it.
 */
export const ExitCode = { Ok: 0, Findings: 1, Error: 2 } as const;
/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One row of the exit-code table: the code and what it means for every command. */
export interface ExitCodeRow {
  readonly code: ExitCode;
  readonly meaning: string;
}

/**
 * The exit codes shared by every command, in the words of `netpol --help` and the README (a test keeps
 * the README's table equal to this one).
 */
export const EXIT_CODES: readonly ExitCodeRow[] = [
  {
    code: ExitCode.Ok,
    meaning:
      'success: nothing at or above the threshold (lint warnings allowed, trace whatever the verdict); help and --version',
  },
  {
    code: ExitCode.Findings,
    meaning:
      'findings: a lint error (among them a broken tree: a kustomization resource that is missing or leads back into a cycle, a Flux spec.path that is not a folder; a ResourceSet template that fails), a failed assertion (test), policy drops (drops), a failed check (verify), flows nothing allows (discover), an opened path (diff --fail-on-open), an observed connection the change would deny (diff --flows --fail-on-break), a refused edit or an init conflict',
  },
  {
    code: ExitCode.Error,
    meaning:
      'usage or input error: a bad flag or argument, a missing repository or one without manifests, an unreadable or binary file, a YAML syntax error, an invalid netpol.config.yaml, a bad trace --batch line or a --batch file that is not text or holds no flow, a --flows capture that is not text, is empty or has no line that is a flow, an unreachable Hubble Relay; for commands other than lint, any error diagnostic in a manifest',
  },
];

/** The exit-code table as help text: `Exit codes:` then one indented line per code. */
export function exitCodesHelp(): string {
  return `Exit codes:\n${EXIT_CODES.map((r) => `  ${r.code}  ${r.meaning}`).join('\n')}\n`;
}
