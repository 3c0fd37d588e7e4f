/**
 * deploy/watch, the kustomize base of `netpol watch`, tested as deployed:
 * - its PrometheusRule with Prometheus' own rule unit tester (`promtool test rules`,
 *   test/fixtures/watch-alerts/*.test.yaml);
 * - `kubectl kustomize` renders it, and the rendered objects hold the promises of the README (non-root, read-only
 *   root filesystem, resource requests, probes on /readyz and /healthz, the ServiceMonitor on the metrics port);
 * - `netpol lint` passes its CiliumNetworkPolicy;
 * - the Grafana dashboard queries only metrics the watcher exports (with cluster access).
 * The CRD schemas (CiliumNetworkPolicy, PrometheusRule) are checked by the conformance suite
 * (test/conformance/authoring.test.ts). System tools missing here skip with one line (test/helpers/system-tool.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { WatchMetrics } from '../../src/workflows/watch/metrics.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { describeWithTools } from '../helpers/system-tool.js';

const BASE = path.join(PROJECT_ROOT, 'deploy/watch');
const ALERT_TESTS = path.join(PROJECT_ROOT, 'test/fixtures/watch-alerts');
const run = promisify(execFile);
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

describeWithTools(['promtool'], 'deploy/watch/prometheusrule.yaml under promtool test rules', () => {
  it('fires each alert when it should and not before', async () => {
    const rule = parse(fs.readFileSync(path.join(BASE, 'prometheusrule.yaml'), 'utf8')) as {
      kind: string;
      spec: unknown;
    };
    expect(rule.kind).toBe('PrometheusRule');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-watch-alerts-'));
    temps.push(dir);
    fs.writeFileSync(path.join(dir, 'rules.yaml'), JSON.stringify(rule.spec));
    const tests = fs
      .readdirSync(ALERT_TESTS)
      .filter((f) => f.endsWith('.test.yaml'))
      .sort();
    expect(tests).toEqual(['cluster.test.yaml', 'drops-sustained.test.yaml', 'relay-repository.test.yaml']);
    for (const t of tests) fs.copyFileSync(path.join(ALERT_TESTS, t), path.join(dir, t));
    const { stdout } = await run('promtool', ['test', 'rules', ...tests], { cwd: dir });
    expect(stdout.match(/SUCCESS/g)).toHaveLength(3);
  });
});

interface Container {
  name: string;
  args?: string[];
  resources?: { requests?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet?: { path?: string } };
  livenessProbe?: { httpGet?: { path?: string } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

describeWithTools(['kubectl'], 'deploy/watch rendered by kubectl kustomize', () => {
  it('renders the objects of the base, with the security and resource promises', async () => {
    const { stdout } = await run('kubectl', ['kustomize', BASE]);
    // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
      'CiliumNetworkPolicy/netpol/netpol-default',
      'ClusterRole//netpol-read-only',
      'ClusterRoleBinding//netpol-watch-read-only',
      'ConfigMap/netpol/netpol-watch-dashboard',
      'Deployment/netpol/netpol-watch',
      'Namespace//netpol',
      'PrometheusRule/netpol/netpol-watch',
      'Service/netpol/netpol-watch',
      'ServiceAccount/netpol/netpol-watch',
      'ServiceMonitor/netpol/netpol-watch',
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment');
    const pod = deployment?.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    const containers = pod.containers as Container[];
    expect(containers.map((c) => c.name)).toEqual(['netpol', 'git-sync']);
    for (const c of containers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
    const [netpol] = containers as [Container];
    expect(netpol.args?.[0]).toBe('watch');
    // Cluster access with the read-only role, and nothing more.
    expect(netpol.args).toContain('--live');
    expect(pod.automountServiceAccountToken).toBe(true);
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
    expect(binding?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'netpol-read-only',
    });
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'netpol' },
    ]);
    const role = objects.find((o) => o.kind === 'ClusterRole');
    expect(role?.rules).toEqual(
      (
        parse(fs.readFileSync(path.join(PROJECT_ROOT, 'deploy/rbac/netpol-read-only.yaml'), 'utf8')) as {
          rules: unknown;
        }
      ).rules,
    );
    for (const rule of role?.rules ?? []) expect(rule.verbs).toEqual(['get', 'list', 'watch']);
    expect(netpol.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(netpol.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(netpol.volumeMounts).toContainEqual({ name: 'repo', mountPath: '/repo', readOnly: true });
    // The watcher's selector labels select the pods the CNP and the Service name.
    const labels = pod && deployment?.spec.template.metadata.labels;
    const cnp = objects.find((o) => o.kind === 'CiliumNetworkPolicy');
    expect(labels).toMatchObject(cnp?.spec.endpointSelector.matchLabels);
    expect(labels).toMatchObject(objects.find((o) => o.kind === 'Service')?.spec.selector);
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor');
    expect(monitor?.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    // The dashboard ConfigMap carries the JSON file unchanged.
    const dashboard = objects.find((o) => o.kind === 'ConfigMap');
    expect(JSON.parse(dashboard?.data['netpol-watch.json'])).toEqual(
      JSON.parse(fs.readFileSync(path.join(BASE, 'dashboard.json'), 'utf8')),
    );
  });
});

describe('deploy/watch', () => {
  it('passes netpol lint (from deploy/, as the base includes ../rbac)', async () => {
    const r = await runCli(['lint', '-R', path.dirname(BASE)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no problems; 0 suppressed\n');
  });

  it('has a dashboard whose queries name only metrics the watcher exports', async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(BASE, 'dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = new Set(
      (await new WatchMetrics({ cluster: true }).registry.getMetricsAsJSON()).map((m) => m.name as string),
    );
    const used = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        [...t.expr.matchAll(/\b(netpol_[a-z_]+|process_[a-z_]+)\b/g)].map((m) => m[1] as string),
      ),
    );
    expect(used.length).toBeGreaterThan(10);
    expect([...new Set(used)].filter((name) => !exported.has(name))).toEqual([]);
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'Top fixes (drops in the dashboard range)',
        'Escape hatch: namespaces with enforcement off (age)',
        'Drifted objects (cluster vs repository)',
      ]),
    );
  });
});
