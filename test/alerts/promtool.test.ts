/**
 * The escape-hatch alerts, tested with Prometheus' own rule unit tester (`promtool test rules`, Debian
 * package `prometheus`): with kube_namespace_labels{label_<domain>_enforcement="disabled"} present, the
 * warning fires after 5 minutes and not before, the critical alert after 24 hours and not before; with the
 * label absent neither fires. The unit tests are test/fixtures/alerts/*.test.yaml; the rule file under test
 * is the `spec` (its `groups`) of a PrometheusRule: examples/homelab's, and the one `netpol init` writes.
 * Without promtool the block is skipped with one line saying so, and fails under NETPOL_REQUIRE_SYSTEM_TESTS=1
 * (test/helpers/system-tool.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initSystem } from '../../src/workflows/authoring/init.js';
import { renderEscapeHatchAlerts } from '../../src/workflows/authoring/render-system.js';
import { describeWithTools } from '../helpers/system-tool.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/alerts');
const EXAMPLE_ALERTS = path.resolve(
  import.meta.dirname,
  '../../examples/homelab/network-policy/alerts/escape-hatch.yaml',
);
const UNIT_TESTS = ['warning-5m.test.yaml', 'critical-24h.test.yaml'];
const run = promisify(execFile);
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the file's tests (the tests here run concurrently). */
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-promtool-'));
  temps.push(dir);
  return dir;
}

/** The rule file promtool reads: the PrometheusRule's `spec` (`groups:`), as JSON (which is YAML). */
function ruleFileOf(prometheusRule: string): string {
  const obj = parse(prometheusRule) as { kind?: string; spec?: { groups?: unknown } };
  expect(obj.kind).toBe('PrometheusRule');
  expect(Array.isArray(obj.spec?.groups)).toBe(true);
  return JSON.stringify(obj.spec);
}

/**
 * Runs the unit tests against a rule file in a fresh directory.
 * @param rules - The rule file text.
 * @param rewrite - Applied to each unit-test file (for another label domain). Default: none.
 */
async function promtool(rules: string, rewrite: (text: string) => string = (t) => t) {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'rules.yaml'), rules);
  for (const t of UNIT_TESTS)
    fs.writeFileSync(path.join(dir, t), rewrite(fs.readFileSync(path.join(FIXTURES, t), 'utf8')));
  try {
    const { stdout, stderr } = await run('promtool', ['test', 'rules', ...UNIT_TESTS], { cwd: dir });
    return { ok: true, output: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describeWithTools(['promtool'], 'escape-hatch alerts under promtool test rules', () => {
  it('examples/homelab alerts: warning after 5m, critical after 24h, nothing without the label', async () => {
    const r = await promtool(ruleFileOf(fs.readFileSync(EXAMPLE_ALERTS, 'utf8')));
    expect(r.output).toContain('SUCCESS');
    expect(r.ok, r.output).toBe(true);
  });

  it('the alerts netpol init writes behave the same', async () => {
    const root = tempDir();
    await initSystem({ root });
    const written = fs.readFileSync(path.join(root, 'network-policy/alerts/escape-hatch.yaml'), 'utf8');
    const r = await promtool(ruleFileOf(written));
    expect(r.ok, r.output).toBe(true);
  });

  it('and with another label domain, on the label kube-state-metrics exports for it', async () => {
    const rules = ruleFileOf(renderEscapeHatchAlerts('policy.example.org', 'monitoring'));
    const r = await promtool(rules, (t) =>
      t
        .replaceAll('label_network_policy_homelab_enforcement', 'label_policy_example_org_enforcement')
        .replaceAll('network-policy.homelab/enforcement', 'policy.example.org/enforcement'),
    );
    expect(r.ok, r.output).toBe(true);
  });

  it.each([
    [
      'a warning after 4 minutes',
      (s: string) => s.replace('"for":"5m"', '"for":"4m"'),
      'NetworkPolicyEnforcementDisabled',
    ],
    [
      'a critical alert after 23 hours',
      (s: string) => s.replace('"for":"24h"', '"for":"23h"'),
      'NetworkPolicyEnforcementDisabledLong',
    ],
    [
      'the wrong metric label',
      (s: string) => s.replaceAll('label_network_policy_homelab_enforcement', 'label_enforcement'),
      'NetworkPolicyEnforcementDisabled',
    ],
  ])('fails for a broken rule: %s', async (_what, breakIt, alert) => {
    const rules = ruleFileOf(fs.readFileSync(EXAMPLE_ALERTS, 'utf8'));
    const broken = breakIt(rules);
    expect(broken).not.toBe(rules);
    const r = await promtool(broken);
    expect(r.ok).toBe(false);
    expect(r.output).toContain(`alertname: ${alert}`);
  });
});
