/**
 * `setNamespaceLabels` edits a namespace's profile and access-grant labels in git: only the labels asked
 * for change, everything else (comments, anchors, other documents, order, quoting) stays byte for byte.
 * Profiles and grants come from the catalogue; unknown ones, and profiles on platform namespaces, are
 * refused with nothing written.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { traceFlow } from '../../../src/workflows/analysis/trace.js';
import { setNamespaceLabels } from '../../../src/workflows/authoring/namespace-set.js';
import { failingFs } from '../../helpers/failing-fs.js';
import { expectLintClean } from '../../helpers/lint-clean.js';
import { type TempRepo, useRepo, yaml } from '../../helpers/use-repo.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/homelab');
const CATALOG = path.resolve(import.meta.dirname, '../../fixtures/authoring/catalog');
const P = 'network-policy.homelab/profile';
const A = 'access.network-policy.homelab/';

/** A temporary copy of a directory. */
function copyOf(dir: string): TempRepo {
  const repo = useRepo({});
  fs.cpSync(dir, repo.root, { recursive: true });
  return repo;
}

/** A digest of every file of a tree (to prove nothing was written). */
function treeDigest(root: string): string {
  const h = createHash('sha256');
  for (const e of fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .sort((a, b) => path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)))) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    h.update(file).update(fs.readFileSync(file));
  }
  return h.digest('hex');
}

describe('setNamespaceLabels', () => {
  it('changes only the labels asked for in an existing manifest and returns the diff', async () => {
    const repo = copyOf(EXAMPLE);
    const before = repo.read('namespaces/web.yaml');
    const r = await setNamespaceLabels({
      root: repo.root,
      namespace: 'web',
      profile: 'internal',
      access: ['postgres'],
      removeAccess: ['garage-s3'],
    });
    expect(r.refusal).toBeUndefined();
    expect(r.written).toBe(true);
    expect(r.file).toBe('namespaces/web.yaml');
    expect(r.created).toBe(false);
    expect(r.changes).toEqual([
      { label: P, from: 'standard', to: 'internal' },
      { label: `${A}postgres`, from: null, to: 'true' },
      { label: `${A}garage-s3`, from: 'true', to: null },
    ]);
    expect(r.files.map((f) => f.path)).toEqual(['namespaces/web.yaml']);
    expect(repo.read('namespaces/web.yaml')).toBe(
      before
        .replace(`${P}: standard`, `${P}: internal`)
        .replace(`    ${A}garage-s3: "true"\n`, `    ${A}postgres: "true"\n`),
    );
    expect(r.diff).toBe(
      [
        '--- a/namespaces/web.yaml',
        '+++ b/namespaces/web.yaml',
        '@@ -7,6 +7,6 @@',
        ' metadata:',
        '   name: web',
        '   labels:',
        `-    ${P}: standard`,
        `+    ${P}: internal`,
        `     ${A}dragonfly: "true"`,
        `-    ${A}garage-s3: "true"`,
        `+    ${A}postgres: "true"`,
        '',
      ].join('\n'),
    );
  });

  it('edits one document of a multi-document file and leaves the others alone', async () => {
    const repo = copyOf(EXAMPLE);
    const before = repo.read('namespaces/platform.yaml');
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'cache', access: ['garage-s3'] });
    expect(r.file).toBe('namespaces/platform.yaml');
    expect(repo.read('namespaces/platform.yaml')).toBe(
      before.replace('  name: cache\n', `  name: cache\n  labels:\n    ${A}garage-s3: "true"\n`),
    );
  });

  it('creates a missing namespace where namespaces live and lists it in that kustomization', async () => {
    const repo = copyOf(EXAMPLE);
    const kustomization = repo.read('namespaces/kustomization.yaml');
    const r = await setNamespaceLabels({
      root: repo.root,
      namespace: 'shop',
      profile: 'standard',
      access: ['postgres'],
    });
    expect(r.created).toBe(true);
    expect(r.file).toBe('namespaces/shop.yaml');
    expect(repo.read('namespaces/shop.yaml')).toBe(yaml`
      apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
        labels:
          ${P}: standard
          ${A}postgres: "true"
    `);
    expect(repo.read('namespaces/kustomization.yaml')).toBe(`${kustomization}  - shop.yaml\n`);
    expect(r.diff.startsWith('--- /dev/null\n+++ b/namespaces/shop.yaml\n')).toBe(true);
    const { engine, diagnostics } = await loadForAnalysis({ root: repo.root });
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(traceFlow(engine, { source: 'shop', destination: 'database', port: 5432 }).verdict.verdict).toBe(
      'allowed',
    );
    expect(traceFlow(engine, { source: 'shop', destination: 'cache', port: 6379 }).verdict.verdict).toBe(
      'denied',
    );
  });

  it('puts a new namespace in the folder holding most Namespace manifests', async () => {
    const repo = useRepo({
      'kustomization.yaml': 'resources:\n  - policies.yaml\n  - apps\n  - platform\n',
      'policies.yaml': fs.readFileSync(path.join(CATALOG, 'policies.yaml'), 'utf8'),
      'apps/kustomization.yaml': 'resources:\n  - a.yaml\n  - b.yaml\n',
      'apps/a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
      'apps/b.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n',
      'platform/kustomization.yaml': 'resources:\n  - ns.yaml\n',
      'platform/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: p\n',
    });
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'c', profile: 'internal' });
    expect(r.file).toBe('apps/c.yaml');
    expect(repo.read('apps/kustomization.yaml')).toBe('resources:\n  - a.yaml\n  - b.yaml\n  - c.yaml\n');
  });

  it('edits the target of a symbolic link inside the repository, keeps the link and says so', async () => {
    const repo = copyOf(EXAMPLE);
    fs.mkdirSync(repo.path('.shared'));
    fs.renameSync(repo.path('namespaces/web.yaml'), repo.path('.shared/web.yaml'));
    fs.symlinkSync('../.shared/web.yaml', repo.path('namespaces/web.yaml'));
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'web', access: ['postgres'] });
    expect(r.files.map((f) => [f.path, f.linkTarget])).toEqual([['namespaces/web.yaml', '.shared/web.yaml']]);
    expect(r.diff.split('\n')[0]).toBe(
      '# namespaces/web.yaml is a symbolic link: its target .shared/web.yaml is edited (the link is kept)',
    );
    expect(fs.lstatSync(repo.path('namespaces/web.yaml')).isSymbolicLink()).toBe(true);
    expect(repo.read('.shared/web.yaml')).toContain(`    ${A}postgres: "true"\n`);
    await expectLintClean(repo.root);
  });

  it('does not read a manifest linked outside the repository, so refuses to create the Namespace there, writing nothing', async () => {
    const outside = useRepo({
      'web.yaml': fs.readFileSync(path.join(EXAMPLE, 'namespaces/web.yaml'), 'utf8'),
    });
    const repo = copyOf(EXAMPLE);
    fs.rmSync(repo.path('namespaces/web.yaml'));
    fs.symlinkSync(outside.path('web.yaml'), repo.path('namespaces/web.yaml'));
    const digest = treeDigest(outside.root) + treeDigest(repo.root);
    // The link is not read (LINK_NOT_FOLLOWED, fresh-user-2 #5): web is not defined in the repository.
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'web', access: ['postgres'] });
    expect(r).toMatchObject({
      written: false,
      files: [],
      refusal: {
        message:
          'Namespace "web" is not defined, but "namespaces/web.yaml" already exists, so it is not created there.',
        hint: 'Add the Namespace manifest by hand, or move that file.',
      },
    });
    expect(treeDigest(outside.root) + treeDigest(repo.root)).toBe(digest);
  });

  it('refuses a Namespace defined in two files and names both places', async () => {
    const repo = copyOf(EXAMPLE);
    repo.write('namespaces/web2.yaml', fs.readFileSync(path.join(EXAMPLE, 'namespaces/web.yaml'), 'utf8'));
    // Read without the root kustomization: one kustomize build listing both would fail (fresh-user-3 #6).
    fs.rmSync(repo.path('kustomization.yaml'));
    fs.rmSync(repo.path('connectivity-tests.yaml'));
    const digest = treeDigest(repo.root);
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'web', access: ['postgres'] });
    expect(r.refusal?.message).toBe(
      'Namespace "web" is defined 2 times (namespaces/web.yaml:5, namespaces/web2.yaml:5), so netpol does not know which definition to edit.',
    );
    expect(r.written).toBe(false);
    expect(treeDigest(repo.root)).toBe(digest);
  });

  it('writes the new Namespace and its kustomization entry together or not at all', async () => {
    const repo = copyOf(EXAMPLE);
    const digest = treeDigest(repo.root);
    const failing = failingFs('renameSync', (t) => t.endsWith(`namespaces${path.sep}kustomization.yaml`));
    await expect(
      setNamespaceLabels({ root: repo.root, namespace: 'shop', profile: 'standard', fs: failing }),
    ).rejects.toThrow(
      /^Cannot write "namespaces\/kustomization\.yaml": EACCES: .*; nothing was written \("namespaces\/shop\.yaml" restored\)\.$/,
    );
    expect(fs.existsSync(repo.path('namespaces/shop.yaml'))).toBe(false);
    expect(treeDigest(repo.root)).toBe(digest);
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'shop', profile: 'standard' });
    expect(r.files.map((f) => f.path)).toEqual(['namespaces/shop.yaml', 'namespaces/kustomization.yaml']);
    await expectLintClean(repo.root);
  });

  it('keeps a flow-style label map, CRLF line ends and a byte-order mark', async () => {
    const repo = copyOf(EXAMPLE);
    const text =
      '\uFEFFapiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: web # shop\r\n  labels: {network-policy.homelab/profile: standard,  team: a}\r\n';
    repo.write('namespaces/web.yaml', text);
    await setNamespaceLabels({
      root: repo.root,
      namespace: 'web',
      profile: 'internal',
      access: ['postgres'],
    });
    expect(repo.read('namespaces/web.yaml')).toBe(
      text.replace(
        '{network-policy.homelab/profile: standard,  team: a}',
        `{network-policy.homelab/profile: internal,  team: a,  ${A}postgres: "true"}`,
      ),
    );
    await expectLintClean(repo.root);
  });

  it('reports no change when the labels are already set, and writes nothing', async () => {
    const repo = copyOf(EXAMPLE);
    const digest = treeDigest(repo.root);
    const r = await setNamespaceLabels({
      root: repo.root,
      namespace: 'billing',
      profile: 'internal-egress',
      access: ['postgres'],
    });
    expect(r).toMatchObject({ changes: [], files: [], diff: '', written: false });
    expect(treeDigest(repo.root)).toBe(digest);
  });

  it('writes nothing on a dry run but returns the diff', async () => {
    const repo = copyOf(EXAMPLE);
    const digest = treeDigest(repo.root);
    const r = await setNamespaceLabels({
      root: repo.root,
      namespace: 'docs',
      access: ['dragonfly'],
      dryRun: true,
    });
    expect(r.written).toBe(false);
    expect(r.diff).toContain(`+    ${A}dragonfly: "true"\n`);
    expect(treeDigest(repo.root)).toBe(digest);
  });

  it.each([
    [
      { namespace: 'web', profile: 'standrd' },
      'Unknown profile "standrd"; known profiles: isolated, internal, internal-egress, standard. Did you mean "standard"?',
    ],
    [
      { namespace: 'web', access: ['postgress'] },
      'Unknown access grant "postgress"; known access grants: kube-api, postgres, dragonfly, garage-s3. Did you mean "postgres"?',
    ],
    [
      { namespace: 'web', removeAccess: ['mqtt'] },
      'Unknown access grant "mqtt"; known access grants: kube-api, postgres, dragonfly, garage-s3.',
    ],
    [
      { namespace: 'database', profile: 'standard' },
      'Namespace "database" is a platform namespace, and platform namespaces never carry a profile.',
    ],
    [
      { namespace: 'ghost', removeAccess: ['postgres'] },
      'Namespace "ghost" is not defined in the repository, so there is nothing to remove.',
    ],
  ])('refuses %j with nothing written', async (request, message) => {
    const repo = copyOf(EXAMPLE);
    const digest = treeDigest(repo.root);
    const r = await setNamespaceLabels({ root: repo.root, ...request });
    expect(r.refusal?.message).toBe(message);
    expect(r.written).toBe(false);
    expect(treeDigest(repo.root)).toBe(digest);
  });

  it('accepts access grants on a platform namespace', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await setNamespaceLabels({ root: repo.root, namespace: 'garage', access: ['postgres'] });
    expect(r.refusal).toBeUndefined();
    expect(r.written).toBe(true);
  });

  it.each([
    [{ namespace: 'Web', profile: 'standard' }, 'namespace "Web" is not a namespace name.'],
    [{ namespace: 'web' }, 'Nothing to change: give --profile, --access or --remove-access.'],
    [{ namespace: 'web', access: ['postgres'], removeAccess: ['postgres'] }, 'is both added and removed'],
    [{ namespace: 'web', access: ['a/b'] }, 'cannot be an access grant name'],
  ])('rejects bad input %j', async (request, message) => {
    const repo = copyOf(EXAMPLE);
    await expect(setNamespaceLabels({ root: repo.root, ...request })).rejects.toThrow(message);
  });
});

/** Generated Namespace documents for the property: comments, anchors, aliases, quoting, several documents. */
const word = fc.constantFrom('alpha', 'beta', 'gamma', 'note', 'todo', 'owner', 'x-1', 'see');
const comment = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => `# ${w.join(' ')}`);
const LABEL_KEYS = [
  'team',
  P,
  `${A}postgres`,
  `${A}dragonfly`,
  `${A}garage-s3`,
  'app.kubernetes.io/part-of',
] as const;
const PROFILES = ['isolated', 'internal', 'standard'] as const;
const GRANTS = ['postgres', 'dragonfly', 'garage-s3'] as const;

interface LabelSpec {
  key: (typeof LABEL_KEYS)[number];
  value: string;
  quote: '' | '"' | "'";
  trailing: string | null;
  before: string | null;
}

const labelSpec: fc.Arbitrary<LabelSpec> = fc.record({
  key: fc.constantFrom(...LABEL_KEYS),
  value: fc.constantFrom('true', 'a', 'isolated', 'standard', 'team-b'),
  quote: fc.constantFrom('' as const, '"' as const, "'" as const),
  trailing: fc.option(comment, { nil: null }),
  before: fc.option(comment, { nil: null }),
});

const docSpec = fc.record({
  header: fc.array(comment, { maxLength: 2 }),
  labels: fc.oneof(
    fc.uniqueArray(labelSpec, { selector: (l) => l.key, maxLength: 5 }),
    fc.constant('absent' as const),
    fc.constant('empty' as const),
  ),
  anchors: fc.boolean(),
  labelsFirst: fc.boolean(),
  nameComment: fc.option(comment, { nil: null }),
});

const NAMES = ['alpha', 'beta', 'gamma', 'delta'];

function docText(
  d: {
    header: string[];
    labels: LabelSpec[] | 'absent' | 'empty';
    anchors: boolean;
    labelsFirst: boolean;
    nameComment: string | null;
  },
  i: number,
): string {
  const name = NAMES[i] ?? `ns${i}`;
  const lines = [...d.header, 'apiVersion: v1', 'kind: Namespace', 'metadata:'];
  lines.push(`  name: ${name}${d.nameComment ? `   ${d.nameComment}` : ''}`);
  const labels: string[] = [];
  if (d.labels === 'empty') labels.push('  labels: {}');
  else if (d.labels !== 'absent') {
    labels.push('  labels:');
    for (const l of d.labels) {
      if (l.before) labels.push(`    ${l.before}`);
      const anchor = d.anchors && l.key === 'team' ? `&team-${i} ` : '';
      const value = l.quote === '' && l.value === 'true' ? '"true"' : `${l.quote}${l.value}${l.quote}`;
      labels.push(`    ${l.key}: ${anchor}${value}${l.trailing ? `  ${l.trailing}` : ''}`);
    }
    if (d.labels.length === 0) labels[0] = '  labels: {}';
  }
  const annotations = d.anchors
    ? [
        '  annotations:',
        `    owner: &owner-${i} someone   # anchored`,
        `    contact: *owner-${i}`,
        ...(d.labelsFirst &&
        d.labels !== 'absent' &&
        d.labels !== 'empty' &&
        d.labels.some((l) => l.key === 'team')
          ? [`    team-copy: *team-${i}`]
          : []),
      ]
    : [];
  if (d.labelsFirst) lines.push(...labels, ...annotations);
  else lines.push(...annotations, ...labels);
  return `${lines.join('\n')}\n`;
}

const scenario = fc
  .record({
    docs: fc.array(docSpec, { minLength: 1, maxLength: 4 }),
    target: fc.nat(),
    profile: fc.option(fc.constantFrom(...PROFILES), { nil: undefined }),
    add: fc.subarray([...GRANTS]),
    remove: fc.subarray([...GRANTS]),
  })
  .map((s) => ({
    ...s,
    target: s.target % s.docs.length,
    remove: s.remove.filter((g) => !s.add.includes(g)),
  }))
  .filter((s) => s.profile !== undefined || s.add.length > 0 || s.remove.length > 0);

/** The label lines and map headers an edit may touch, removed so the rest can be compared byte for byte. */
function untouched(doc: string, keys: ReadonlySet<string>): string {
  return doc
    .split('\n')
    .filter((line) => {
      if (/^ {2}labels:( \{.*\})?$/.test(line)) return false;
      const m = /^ {4}([^ :#][^:]*):/.exec(line);
      return !(m?.[1] && keys.has(m[1]));
    })
    .join('\n');
}

describe('setNamespaceLabels (property)', () => {
  it('leaves everything not asked for byte for byte: other documents, comments, anchors, order', async () => {
    const policies = fs.readFileSync(path.join(CATALOG, 'policies.yaml'), 'utf8');
    const config = fs.readFileSync(path.join(CATALOG, 'netpol.config.yaml'), 'utf8');
    const kustomization = fs.readFileSync(path.join(CATALOG, 'kustomization.yaml'), 'utf8');
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const docs = s.docs.map((d, i) => docText(d, i));
        const text = docs.join('---\n');
        const repo = useRepo({
          'kustomization.yaml': kustomization,
          'netpol.config.yaml': config,
          'policies.yaml': policies,
          'namespaces/kustomization.yaml': 'resources:\n  - all.yaml\n',
          'namespaces/all.yaml': text,
        });
        const target = NAMES[s.target] ?? '';
        const r = await setNamespaceLabels({
          root: repo.root,
          namespace: target,
          ...(s.profile ? { profile: s.profile } : {}),
          access: s.add,
          removeAccess: s.remove,
        });
        expect(r.refusal).toBeUndefined();
        const after = repo.read('namespaces/all.yaml');
        const afterDocs = after.split(/^---\n/m);
        expect(afterDocs).toHaveLength(docs.length);
        const touched = new Set<string>([
          ...(s.profile ? [P] : []),
          ...[...s.add, ...s.remove].map((g) => `${A}${g}`),
        ]);
        docs.forEach((before, i) => {
          if (i !== s.target) expect(afterDocs[i]).toBe(before);
          else expect(untouched(afterDocs[i] ?? '', touched)).toBe(untouched(before, touched));
        });
        // The target's labels are exactly the old ones with the requested changes.
        const parsedBefore = parseAllDocuments(text)[s.target]?.toJS() as {
          metadata: { labels?: Record<string, string> };
        };
        const parsedAfter = parseAllDocuments(after).map(
          (d) => d.toJS() as { metadata: { labels?: Record<string, string> } },
        );
        const want: Record<string, string> = { ...(parsedBefore.metadata.labels ?? {}) };
        if (s.profile) want[P] = s.profile;
        for (const g of s.add) want[`${A}${g}`] = 'true';
        for (const g of s.remove) delete want[`${A}${g}`];
        expect(parsedAfter[s.target]?.metadata.labels ?? {}).toEqual(want);
        // Anchors and aliases still resolve to the same values.
        parseAllDocuments(text).forEach((d, i) => {
          const was = d.toJS() as { metadata: { annotations?: unknown } };
          const now = parsedAfter[i] as { metadata: { annotations?: unknown } };
          expect(now.metadata.annotations).toEqual(was.metadata.annotations);
        });
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
