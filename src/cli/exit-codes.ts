/**
 * Exit codes (ESLint's convention): 0 clean; 1 findings at or above the threshold, a failed assertion or
 * a denied verdict where the command asks for one; 2 usage error, fatal error or unreadable input.
 */
export const ExitCode = { Ok: 0, Findings: 1, Error: 2 } as const;
/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
