import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepo } from '../../src/repo/load-repo.js';
import { ciliumExamplesDir, walkFiles } from './corpus.js';

/** Cilium's own example policies (examples/policies of cilium/cilium), copied unchanged. */
const EXAMPLES = ciliumExamplesDir();

const FILES = walkFiles(EXAMPLES)
  .map((f) => path.relative(EXAMPLES, f).split(path.sep).join('/'))
  .filter((f) => f !== 'README.md')
  .sort();

/**
 * The examples that Kubernetes or Cilium would reject or misread, and why:
 * - `auth/auth.yaml`: `auth:` is not a field (the schema has `authentication: {mode}`).
 * - `host/allow-extended-protocols.yaml`: `VRRP` is not in the CRD's protocol enum, and the entry has no port.
 * - `kubernetes/serviceaccount/demo-pods.yaml`: `extensions/v1beta1` Deployments are no longer served.
 * - `l3/entities/from_nodes.yaml`: `apiversion` in lowercase, so the object has no apiVersion.
 * - `l3/match-expressions/*-statement.yaml`: `operator: in` (operators are case-sensitive).
 * - `l4/l3_l4_combined.yaml`, `multi_rule.yaml`: a label indented next to `matchLabels:` instead of under it.
 * - `l7/http/http.yaml`: `HTTP:` in a CRD (only the agent's JSON reader folds case).
 * - `l7/kafka/kafka-Role.yaml`: `Role:` in a CRD, same reason.
 */
const FILES_WITH_ERRORS = [
  'auth/auth.yaml',
  'host/allow-extended-protocols.yaml',
  'kubernetes/serviceaccount/demo-pods.yaml',
  'l3/entities/from_nodes.yaml',
  'l3/match-expressions/and-statement.yaml',
  'l3/match-expressions/or-statement.yaml',
  'l4/l3_l4_combined.yaml',
  'l7/http/http.yaml',
  'l7/kafka/kafka-Role.yaml',
  'multi_rule.yaml',
];

describe("Cilium's example policies", () => {
  it('are all there', () => {
    expect(FILES).toHaveLength(136);
  });

  it('each load on their own without throwing, yielding objects or diagnostics; exactly the known files have errors', async () => {
    const withErrors: string[] = [];
    for (const file of FILES) {
      const { repo, diagnostics } = await loadRepo({ root: EXAMPLES, files: [file] });
      const objects = repo.policies.length + repo.namespaces.length + repo.workloads.length;
      expect(objects + diagnostics.length, file).toBeGreaterThan(0);
      if (diagnostics.some((d) => d.severity === 'error')) withErrors.push(file);
    }
    expect(withErrors).toEqual(FILES_WITH_ERRORS);
  });

  it('report the agent-format JSON lists once per file as validated but not evaluated', async () => {
    const jsonFiles = FILES.filter((f) => f.endsWith('.json'));
    for (const file of jsonFiles) {
      const { repo, diagnostics } = await loadRepo({ root: EXAMPLES, files: [file] });
      expect(repo.policies, file).toEqual([]);
      expect(
        diagnostics.filter((d) => d.code === 'NOT_MODELLED').map((d) => [d.source?.line, d.source?.column]),
        file,
      ).toEqual([[1, 1]]);
    }
    expect(jsonFiles).toHaveLength(54);
  });

  it('load together as one directory', async () => {
    const { repo, diagnostics } = await loadRepo({ root: EXAMPLES });
    expect(repo.files).toEqual(FILES);
    expect(repo.policies.length).toBe(57);
    expect(repo.namespaces.map((n) => n.name)).toEqual(['ns1', 'ns2']);
    expect(diagnostics.filter((d) => d.code === 'DUPLICATE_OBJECT').length).toBeGreaterThan(0);
  });

  it('read the odd ones as Cilium would', async () => {
    const { repo } = await loadRepo({
      root: EXAMPLES,
      files: ['l3/requires/requires.yaml', 'l4/l3_l4_combined.yaml'],
    });
    const [requires, combined] = repo.policies;
    // `specs:` list: one rule per element.
    expect(requires?.kind === 'CiliumNetworkPolicy' && requires.rules.map((r) => r.index)).toEqual([0]);
    // The mis-indented label is pruned: fromEndpoints: [{}] selects every endpoint of the namespace.
    const peer = combined?.kind === 'CiliumNetworkPolicy' ? combined.rules[0]?.ingress?.[0] : undefined;
    expect(peer?.endpoints?.map((s) => s.matchLabels)).toEqual([{}]);
  });
});
