/**
 * vitest globalSetup: says once per run which system tools are missing, so skipped blocks are never
 * silent (see test/helpers/system-tool.ts).
 */
import {
  hasSystemTool,
  missingToolMessage,
  SYSTEM_TOOLS,
  type SystemToolName,
  systemTestsRequired,
} from '../helpers/system-tool.js';

/** Prints one line per missing tool to stderr. */
export default function setup(): void {
  const missing = (Object.keys(SYSTEM_TOOLS) as SystemToolName[]).filter((t) => !hasSystemTool(t));
  for (const t of missing) {
    const mode = systemTestsRequired() ? 'FAILS (NETPOL_REQUIRE_SYSTEM_TESTS=1)' : 'skipped';
    process.stderr.write(`netpol tests: ${missingToolMessage(t)} — ${mode}\n`);
  }
}
