/**
 * System tools some tests need (Debian packages, not npm ones): whether each is installed, and a
 * `describe` that runs only where it is. On a user's clone without the tool the block is skipped and
 * test/setup/system-tools.ts prints one line naming the tool and how to install it; with
 * `NETPOL_REQUIRE_SYSTEM_TESTS=1` (set by .ci/run) a missing tool is a failing test instead, so CI can
 * never pass by skipping.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** A system tool a test may need: how to probe it and how a user installs it. */
export interface SystemToolSpec {
  /** The command, looked up on PATH. */
  readonly command: string;
  /** Arguments that make it print its version and exit 0. */
  readonly probeArgs: readonly string[];
  /** What a user runs to get it, e.g. `apt-get install prometheus`. */
  readonly install: string;
  /** The tests that use it, as a plural noun phrase for the skip message. */
  readonly usedFor: string;
}

/** Every system tool the suite knows. Add a tool here before a test uses it. */
export const SYSTEM_TOOLS = {
  promtool: {
    command: 'promtool',
    probeArgs: ['--version'],
    install: 'apt-get install prometheus',
    usedFor: 'escape-hatch alert rule tests (promtool test rules)',
  },
  prometheus: {
    command: 'prometheus',
    probeArgs: ['--version'],
    install: 'apt-get install prometheus',
    usedFor: 'tests where a real Prometheus scrapes netpol watch',
  },
  kubectl: {
    command: 'kubectl',
    probeArgs: ['version', '--client'],
    install: 'apt-get install kubernetes-client',
    usedFor:
      'tests proving the Kubernetes API server double faithful (kubectl against it) and kustomize build tests of deploy/',
  },
  chromium: {
    command: 'chromium',
    probeArgs: ['--version'],
    install: 'apt-get install chromium',
    usedFor: 'end-to-end tests of netpol ui (playwright-core driving headless chromium)',
  },
} as const satisfies Record<string, SystemToolSpec>;

/** The name of a tool in {@link SYSTEM_TOOLS}. */
export type SystemToolName = keyof typeof SYSTEM_TOOLS;

const probed = new Map<SystemToolName, boolean>();

/**
 * Whether the tool runs here (probed once per worker).
 * @param name - A key of {@link SYSTEM_TOOLS}.
 * @returns true when `command probeArgs…` exits 0.
 */
export function hasSystemTool(name: SystemToolName): boolean {
  let ok = probed.get(name);
  if (ok === undefined) {
    const spec = SYSTEM_TOOLS[name];
    const r = spawnSync(spec.command, [...spec.probeArgs], { stdio: 'ignore', timeout: 20_000 });
    ok = !r.error && r.status === 0;
    probed.set(name, ok);
  }
  return ok;
}

/** Whether a missing system tool fails the run (`NETPOL_REQUIRE_SYSTEM_TESTS=1`, as in CI). */
export function systemTestsRequired(): boolean {
  return process.env.NETPOL_REQUIRE_SYSTEM_TESTS === '1';
}

/**
 * The line printed (once per run) for a tool that is missing.
 * @param name - A key of {@link SYSTEM_TOOLS}.
 */
export function missingToolMessage(name: SystemToolName): string {
  const spec = SYSTEM_TOOLS[name];
  return `${spec.command} not found: the ${spec.usedFor} were not run (install: ${spec.install})`;
}

/**
 * A `describe` block that needs system tools. Where they all run it is an ordinary block; where one is
 * missing it is skipped, or, under `NETPOL_REQUIRE_SYSTEM_TESTS=1`, replaced by one failing test naming it.
 * @param tools - The tools the block needs.
 * @param title - The block's title.
 * @param body - The block's tests.
 */
export function describeWithTools(tools: readonly SystemToolName[], title: string, body: () => void): void {
  const missing = tools.filter((t) => !hasSystemTool(t));
  if (missing.length === 0) {
    describe(title, body);
  } else if (systemTestsRequired()) {
    describe(title, () => {
      it(`needs ${missing.join(', ')}`, () => {
        throw new Error(missing.map(missingToolMessage).join('; '));
      });
    });
  } else {
    describe.skip(title, body);
  }
}
