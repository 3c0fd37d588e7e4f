/**
 * netpol's readers on Cilium's own example policies (`$NETPOL_CONFORMANCE_DIR/fixtures/cilium-examples`,
 * examples/policies of cilium/cilium, unchanged): the YAML reader against the `yaml` package, the token
 * path against the Composer, packed trees across threads, and lint. The normal suite runs the same checks
 * on netpol's own examples/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../src/lint/rules/index.js';
import { lintRepo } from '../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../src/workflows/analysis/load.js';
import { checkAgainstYaml, roundTrip, sameAsComposer } from '../helpers/yaml-oracle.js';
import { ciliumExampleFiles, ciliumExamplesDir } from './corpus.js';

describe("the YAML reader on Cilium's example policies", () => {
  it('has the values and positions of every Cilium example', () => {
    let compared = 0;
    let files = 0;
    for (const file of ciliumExampleFiles()) {
      compared += checkAgainstYaml(fs.readFileSync(file, 'utf8'));
      files++;
    }
    expect(files).toBe(136);
    expect(compared).toBe(3778);
  });

  it('reads every Cilium example as the Composer does, most of them without it', () => {
    let fast = 0;
    const files = ciliumExampleFiles();
    for (const file of files) if (sameAsComposer(fs.readFileSync(file, 'utf8'))) fast++;
    expect([fast, files.length]).toEqual([135, 136]);
  });

  it('packTrees and unpackTrees give back the trees of every example', () => {
    let documents = 0;
    for (const file of ciliumExampleFiles()) {
      const { docs, roots } = roundTrip(fs.readFileSync(file, 'utf8'));
      expect(roots, file).toEqual(docs.map((d) => d.root));
      documents += docs.length;
    }
    expect(documents).toBe(148);
  });
});

describe("lintRepo on Cilium's own example policies", () => {
  it('lints every example without throwing; every finding names a rule and a real position', async () => {
    const root = ciliumExamplesDir();
    const report = await lintRepo(await loadForAnalysis({ root }));
    expect(report.findings.length).toBeGreaterThan(50);
    for (const f of report.findings) {
      expect(Object.keys(rules)).toContain(f.ruleId);
      expect(fs.existsSync(path.join(root, f.source.file))).toBe(true);
      expect(f.source.line).toBeGreaterThan(0);
      expect(f.source.column).toBeGreaterThan(0);
      expect(f.message).toMatch(/[.?]$/);
    }
    expect(new Set(report.findings.map((f) => f.ruleId))).toEqual(
      new Set([
        'any-port',
        'invalid-manifest',
        // hardcoded-ip: the examples name addresses outside any cluster range and use no seed profiles, so
        // under seedConvention auto they are not the seed's anti-pattern (docs/rules/hardcoded-ip.md).
        'explicit-default-deny',
        // l3/ingress-allow-all: the stored YAML's `fromEndpoints:` is empty (null), so the rule selects no peer
        // and only turns default deny on; the JSON twin's `[{matchLabels: {}}]` is the allow-all it is named for.
        'misleading-empty-rules',
      ]),
    );
  });
});
