import { describe, expect, it } from 'vitest';
import { diffRevisions, loadRevision } from '../../../src/workflows/analysis/diff.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { computeMatrix } from '../../../src/workflows/analysis/matrix.js';
import {
  dropInternalEgressHttps,
  FLEET,
  grantPostgresToDocs,
  HOMELAB,
  useGitRepo,
} from '../../fixtures/diff/git-repo.js';
import { yaml } from '../../helpers/use-repo.js';

const POSTGRES_COLUMN = {
  id: 'grant-postgres',
  title: 'postgres: database:5432/TCP',
  short: 'postgres',
  direction: 'egress',
  peer: 'database',
  port: 5432,
  protocol: 'TCP',
};

/** The homelab example in a subdirectory of a bigger work tree, committed on main. */
function homelabRepo() {
  return useGitRepo(
    { 'README.md': '# infra\n', 'terraform/main.tf': '# not netpol\n' },
    { from: HOMELAB, into: 'clusters/homelab' },
  );
}

describe('diffRevisions', () => {
  it('reports the postgres grant added to docs: one cell opened, with the CCNP and the database CNP responsible', async () => {
    const repo = homelabRepo();
    grantPostgresToDocs(repo, 'clusters/homelab');
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.base).toEqual({ revision: 'main', commit: repo.git('rev-parse', 'main').trim(), exists: true });
    expect(d.head).toEqual({ revision: null, commit: null, exists: true });
    expect(d.summary).toEqual({ added: 1, removed: 0 });
    expect(d.cells).toEqual([
      {
        namespace: 'docs',
        column: POSTGRES_COLUMN,
        before: 'denied',
        after: 'allowed',
        because: [
          {
            revision: 'head',
            side: 'egress',
            endpoint: 'docs',
            role: 'allowed',
            kind: 'CiliumClusterwideNetworkPolicy',
            namespace: '',
            name: 'access-postgres',
            rule: 'egress[0]',
            file: 'network-policy/shared-resources/postgres.yaml',
            line: 16,
            column: 7,
          },
          {
            revision: 'head',
            side: 'ingress',
            endpoint: 'database',
            role: 'allowed',
            kind: 'CiliumNetworkPolicy',
            namespace: 'database',
            name: 'postgres',
            rule: 'ingress[0]',
            file: 'network-policy/platform/database.yaml',
            line: 58,
            column: 7,
          },
        ],
      },
    ]);
    expect(d.namespaces).toEqual([
      {
        namespace: 'docs',
        change: 'changed',
        profile: { before: 'standard', after: 'standard' },
        grants: { added: ['postgres'], removed: [] },
        escapeHatch: { before: false, after: false },
        // The label added, not the document start (fresh-user-2 #11).
        file: 'namespaces/docs.yaml',
        line: 9,
      },
    ]);
    expect(d.policies).toEqual({ added: [], removed: [], changed: [] });
    expect(d.columns).toEqual({ added: [], removed: [] });
    expect(d.settings).toEqual([]);
    expect(d.diagnostics.head.filter((x) => x.severity !== 'info')).toEqual([]);
  });

  it('reports the HTTPS rule removed from internal-egress: world-443 closes for billing, from the rule of the base', async () => {
    const repo = homelabRepo();
    dropInternalEgressHttps(repo, 'clusters/homelab');
    const head = repo.commit('internal-egress: no HTTPS');
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'HEAD~1', head: 'HEAD' });
    expect(d.head).toEqual({ revision: 'HEAD', commit: head, exists: true });
    expect(d.summary).toEqual({ added: 0, removed: 1 });
    expect(d.cells).toEqual([
      {
        namespace: 'billing',
        column: {
          id: 'world-443',
          title: 'world:443/TCP',
          short: 'world:443',
          direction: 'egress',
          peer: 'world:203.0.113.10',
          port: 443,
          protocol: 'TCP',
        },
        before: 'allowed',
        after: 'denied',
        because: [
          {
            revision: 'base',
            side: 'egress',
            endpoint: 'billing',
            role: 'allowed',
            kind: 'CiliumClusterwideNetworkPolicy',
            namespace: '',
            name: 'profile-internal-egress',
            rule: 'egress[1]',
            file: 'network-policy/profiles/internal-egress.yaml',
            line: 39,
            column: 7,
          },
        ],
      },
    ]);
    expect(d.policies).toEqual({
      added: [],
      removed: [],
      changed: [
        {
          kind: 'CiliumClusterwideNetworkPolicy',
          namespace: '',
          name: 'profile-internal-egress',
          file: 'network-policy/profiles/internal-egress.yaml',
          line: 3,
          fields: ['egress'],
          mayOpen: false,
        },
      ],
    });
    expect(d.namespaces).toEqual([]);
  });

  it.each([
    ['the postgres grant, head from git', 'postgres', true, 9],
    ['the profile, head on disk', 'profile', false, 8],
    ['the profile, head from git', 'profile', true, 8],
  ])('points a label change at the label: %s', async (_, what, committed, line) => {
    const repo = homelabRepo();
    if (what === 'postgres') grantPostgresToDocs(repo, 'clusters/homelab');
    else {
      repo.edit(
        'clusters/homelab/namespaces/docs.yaml',
        'network-policy.homelab/profile: standard',
        'network-policy.homelab/profile: internal',
      );
    }
    if (committed) repo.commit('docs');
    const d = await diffRevisions({
      root: repo.path('clusters/homelab'),
      ...(committed ? { base: 'HEAD~1', head: 'HEAD' } : { base: 'main' }),
    });
    expect(d.namespaces.map((n) => [n.namespace, `${n.file}:${n.line}`])).toEqual([
      ['docs', `namespaces/docs.yaml:${line}`],
    ]);
  });

  it('reports an added namespace: absent before, each allowed cell opened', async () => {
    const repo = homelabRepo();
    repo.write(
      'clusters/homelab/namespaces/blog.yaml',
      yaml`
        apiVersion: v1
        kind: Namespace
        metadata:
          name: blog
          labels:
            network-policy.homelab/profile: internal
      `,
    );
    repo.edit(
      'clusters/homelab/namespaces/kustomization.yaml',
      '  - docs.yaml\n',
      '  - docs.yaml\n  - blog.yaml\n',
    );
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.namespaces).toEqual([
      {
        namespace: 'blog',
        change: 'added',
        profile: { before: null, after: 'internal' },
        grants: { added: [], removed: [] },
        escapeHatch: { before: false, after: false },
        file: 'namespaces/blog.yaml',
        line: 1,
      },
    ]);
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.before, c.after])).toEqual([
      ['blog', 'dns', 'absent', 'allowed'],
      ['blog', 'gateway-internal', 'absent', 'allowed'],
      ['blog', 'scrape-prometheus', 'absent', 'allowed'],
    ]);
    expect(d.summary).toEqual({ added: 3, removed: 0 });
    const gw = d.cells.find((c) => c.column.id === 'gateway-internal');
    expect(gw?.because.map((b) => [b.revision, b.side, b.endpoint, b.name, b.rule])).toEqual([
      [
        'head',
        'egress',
        'istio-gateway/gateway.networking.k8s.io/gateway-name=internal',
        'gateway-internal',
        'egress[0]',
      ],
      ['head', 'ingress', 'blog', 'profile-internal', 'ingress[0]'],
    ]);
  });

  it('reports a removed namespace: its allowed cells closed, absent after', async () => {
    const repo = homelabRepo();
    repo.edit('clusters/homelab/namespaces/kustomization.yaml', '  - docs.yaml\n', '');
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.namespaces.map((n) => [n.namespace, n.change, n.profile])).toEqual([
      ['docs', 'removed', { before: 'standard', after: null }],
    ]);
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.before, c.after])).toEqual([
      ['docs', 'dns', 'allowed', 'absent'],
      ['docs', 'world-443', 'allowed', 'absent'],
      ['docs', 'gateway-internal', 'allowed', 'absent'],
      ['docs', 'gateway-external', 'allowed', 'absent'],
      ['docs', 'scrape-prometheus', 'allowed', 'absent'],
    ]);
    expect(d.summary).toEqual({ added: 0, removed: 5 });
  });

  it('ignores changes that leave the parsed rules alone (comments, key order, quoting, descriptions)', async () => {
    const repo = homelabRepo();
    const file = 'clusters/homelab/network-policy/shared-resources/postgres.yaml';
    repo.edit(
      file,
      '            - port: "5432"\n              protocol: TCP',
      '            - protocol: TCP # reordered\n              port: 5432',
    );
    repo.edit(file, 'description: "Access postgres:', 'description: "Reworded. Access postgres:');
    repo.edit(file, '# Access grant', '\n\n# A new comment\n# Access grant');
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.policies).toEqual({ added: [], removed: [], changed: [] });
    expect(d.cells).toEqual([]);
    expect(d.namespaces).toEqual([]);
  });

  it('reports a policy added (a deny rule) with the deny of the head and the allow of the base', async () => {
    const repo = homelabRepo();
    repo.write(
      'clusters/homelab/network-policy/platform/docs-no-world.yaml',
      yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: no-world
          namespace: docs
        spec:
          endpointSelector: {}
          egressDeny:
            - toEntities: [world]
      `,
    );
    repo.edit(
      'clusters/homelab/network-policy/platform/kustomization.yaml',
      'resources:\n',
      'resources:\n  - docs-no-world.yaml\n',
    );
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.policies.added).toEqual([
      {
        kind: 'CiliumNetworkPolicy',
        namespace: 'docs',
        name: 'no-world',
        file: 'network-policy/platform/docs-no-world.yaml',
        line: 1,
        fields: [],
        mayOpen: false,
      },
    ]);
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.before, c.after])).toEqual([
      ['docs', 'world-443', 'allowed', 'denied'],
    ]);
    expect(d.cells[0]?.because.map((b) => [b.revision, b.role, b.name, b.rule, b.file, b.line])).toEqual([
      ['base', 'allowed', 'profile-standard', 'egress[1]', 'network-policy/profiles/standard.yaml', 42],
      ['head', 'denied', 'no-world', 'egressDeny[0]', 'network-policy/platform/docs-no-world.yaml', 9],
    ]);
  });

  it('reports a policy removed and the matrix column it defined', async () => {
    const repo = homelabRepo();
    repo.edit(
      'clusters/homelab/network-policy/shared-resources/kustomization.yaml',
      '  - postgres.yaml\n',
      '',
    );
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.policies.removed.map((p) => [p.kind, p.name, p.file, p.line])).toEqual([
      [
        'CiliumClusterwideNetworkPolicy',
        'access-postgres',
        'network-policy/shared-resources/postgres.yaml',
        4,
      ],
    ]);
    expect(d.columns).toEqual({ added: [], removed: [POSTGRES_COLUMN] });
    // The column still probes the same flow on the head side, where nothing allows it any more.
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.before, c.after])).toEqual([
      ['batch-worker', 'grant-postgres', 'allowed', 'denied'],
      ['billing', 'grant-postgres', 'allowed', 'denied'],
    ]);
    expect(d.cells[1]?.because.map((b) => [b.revision, b.role, b.name])).toEqual([
      ['base', 'allowed', 'access-postgres'],
    ]);
  });

  it('reports a new access grant: a new column and the cells it opens', async () => {
    const repo = homelabRepo();
    repo.write(
      'clusters/homelab/network-policy/shared-resources/redis.yaml',
      yaml`
        apiVersion: cilium.io/v2
        kind: CiliumClusterwideNetworkPolicy
        metadata:
          name: access-redis
        spec:
          endpointSelector:
            matchLabels:
              io.cilium.k8s.namespace.labels.access.network-policy.homelab/redis: "true"
          egress:
            - toEndpoints:
                - matchLabels:
                    io.kubernetes.pod.namespace: cache
              toPorts:
                - ports:
                    - port: "6380"
                      protocol: TCP
        ---
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: redis
          namespace: cache
        spec:
          endpointSelector: {}
          ingress:
            - fromEndpoints:
                - matchLabels:
                    io.cilium.k8s.namespace.labels.access.network-policy.homelab/redis: "true"
              toPorts:
                - ports:
                    - port: "6380"
                      protocol: TCP
      `,
    );
    repo.edit(
      'clusters/homelab/network-policy/shared-resources/kustomization.yaml',
      '  - postgres.yaml\n',
      '  - postgres.yaml\n  - redis.yaml\n',
    );
    repo.edit(
      'clusters/homelab/namespaces/web.yaml',
      '    network-policy.homelab/profile: standard\n',
      '    network-policy.homelab/profile: standard\n    access.network-policy.homelab/redis: "true"\n',
    );
    repo.commit('redis');
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'HEAD~1', head: 'HEAD' });
    expect(d.columns.added).toEqual([
      {
        id: 'grant-redis',
        title: 'redis: cache:6380/TCP',
        short: 'redis',
        direction: 'egress',
        peer: 'cache',
        port: 6380,
        protocol: 'TCP',
      },
    ]);
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.before, c.after])).toEqual([
      ['web', 'grant-redis', 'denied', 'allowed'],
    ]);
    expect(d.namespaces.map((n) => [n.namespace, n.grants])).toEqual([
      ['web', { added: ['redis'], removed: [] }],
    ]);
    expect(d.policies.added.map((p) => `${p.kind}/${p.namespace}/${p.name}`)).toEqual([
      'CiliumClusterwideNetworkPolicy//access-redis',
      'CiliumNetworkPolicy/cache/redis',
    ]);
  });

  it('reports a profile switch and the cells it flips both ways', async () => {
    const repo = homelabRepo();
    repo.edit('clusters/homelab/namespaces/billing.yaml', 'profile: internal-egress', 'profile: standard');
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.namespaces.map((n) => [n.namespace, n.profile])).toEqual([
      ['billing', { before: 'internal-egress', after: 'standard' }],
    ]);
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.before, c.after])).toEqual([
      ['billing', 'gateway-external', 'denied', 'allowed'],
    ]);
  });

  it('reports a cluster setting change and explains flips by the policies that selected the endpoint', async () => {
    const repo = homelabRepo();
    repo.edit(
      'clusters/homelab/netpol.config.yaml',
      'policyEnforcementMode: default',
      'policyEnforcementMode: never',
    );
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main' });
    expect(d.settings).toEqual([{ setting: 'policyEnforcementMode', before: 'default', after: 'never' }]);
    expect(d.summary.removed).toBe(0);
    const cell = d.cells.find((c) => c.namespace === 'docs' && c.column.id === 'grant-postgres');
    expect(cell?.because.map((b) => [b.revision, b.side, b.role, b.name])).toEqual([
      ['base', 'egress', 'selected', 'baseline-dns-egress'],
      ['base', 'egress', 'selected', 'profile-standard'],
      ['base', 'ingress', 'selected', 'database-default'],
      ['base', 'ingress', 'selected', 'postgres'],
      ['base', 'ingress', 'selected', 'baseline-health-probes'],
      ['base', 'ingress', 'selected', 'baseline-prometheus-scrape'],
    ]);
  });

  it('names only the policies that newly select an endpoint when it was not enforced before', async () => {
    const ns = (name: string) => yaml`
      apiVersion: v1
      kind: Namespace
      metadata:
        name: ${name}
    `;
    const repo = useGitRepo({
      'a.yaml': ns('a'),
      'b.yaml': ns('b'),
      'audit.yaml': yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: audit
          namespace: a
        spec:
          endpointSelector: {}
          enableDefaultDeny:
            egress: false
          egress:
            - toEntities: [world]
      `,
      'web.yaml': yaml`
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: web
          namespace: b
        spec:
          podSelector: {}
          ingress:
            - ports:
                - port: 8080
      `,
    });
    repo.write(
      'lockdown.yaml',
      yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: lockdown
          namespace: a
        spec:
          endpointSelector: {}
          egress:
            - toEntities: [kube-apiserver]
      `,
    );
    repo.edit('web.yaml', 'port: 8080', 'port: 8081');
    const d = await diffRevisions({ root: repo.top, base: 'main' });
    // a → b:8080 closes twice over: a's egress is now enforced (lockdown), b's ingress moved to 8081.
    expect(d.cells.map((c) => [c.namespace, c.column.id, c.column.peer, c.before, c.after])).toEqual([
      ['a', 'app-namespace', 'b', 'allowed', 'denied'],
    ]);
    expect(d.cells[0]?.column.title).toBe('to application namespace b on 8080/TCP');
    expect(
      d.cells[0]?.because.map((b) => [b.revision, b.side, b.endpoint, b.role, b.kind, b.name, b.rule]),
    ).toEqual([
      ['base', 'ingress', 'b', 'allowed', 'NetworkPolicy', 'web', 'ingress[0]'],
      // audit selects a on both sides; only lockdown is new (audit's enableDefaultDeny: false never enforced).
      ['head', 'egress', 'a', 'selected', 'CiliumNetworkPolicy', 'lockdown', 'spec.egress'],
    ]);
    expect(d.policies.added.map((p) => p.name)).toEqual(['lockdown']);
    expect(d.policies.changed.map((p) => [p.kind, p.name, p.fields])).toEqual([
      ['NetworkPolicy', 'web', ['ingress[0]']],
    ]);
  });

  it('counts every allowed cell as opened when the directory is new at the head', async () => {
    const repo = useGitRepo({ 'README.md': '# infra\n' });
    const root = repo.path('clusters/homelab');
    const { cpSync } = await import('node:fs');
    cpSync(HOMELAB, root, { recursive: true });
    const d = await diffRevisions({ root, base: 'main' });
    expect(d.base.exists).toBe(false);
    expect(d.namespaces).toHaveLength(13);
    expect(d.namespaces.every((n) => n.change === 'added')).toBe(true);
    const loaded = await loadForAnalysis({ root });
    const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    const allowed = m.rows.reduce(
      (n, r) => n + Object.values(r.cells).filter((v) => v === 'allowed').length,
      0,
    );
    expect(allowed).toBe(44);
    expect(d.summary).toEqual({ added: allowed, removed: 0 });
    expect(d.policies.added).toHaveLength(loaded.repo.policies.length);
  });

  it('finds nothing between a revision and itself', async () => {
    const repo = homelabRepo();
    const d = await diffRevisions({ root: repo.path('clusters/homelab'), base: 'main', head: 'HEAD' });
    expect(d).toMatchObject({
      summary: { added: 0, removed: 0 },
      cells: [],
      namespaces: [],
      policies: { added: [], removed: [], changed: [] },
      columns: { added: [], removed: [] },
      settings: [],
    });
  });

  it('reads a cluster folder of a revision like the working tree: the whole work tree, names relative to it', async () => {
    const repo = useGitRepo(FLEET);
    const root = repo.path('clusters/prod');
    const side = await loadRevision(root, 'HEAD');
    const disk = await loadForAnalysis({ root });
    const objects = (l: typeof disk) => ({
      entry: l.repo.entry,
      namespaces: l.repo.namespaces.map((n) => [n.name, n.source.file, n.source.line]),
      policies: l.repo.policies.map((p) => [p.kind, p.namespace, p.name, p.source.file, p.source.line]),
      diagnostics: l.diagnostics.map((d) => [d.code, d.source?.file]),
    });
    expect(objects(side)).toEqual(objects(disk));
    expect(objects(side).policies).toEqual([
      ['CiliumNetworkPolicy', 'shop', 'api', '../../apps/prod/shop.yaml', 6],
    ]);
    expect(side.exists).toBe(true);
  });

  it('reads the cluster asked for on both sides', async () => {
    const repo = useGitRepo(FLEET);
    repo.edit('apps/staging/shop.yaml', 'port: "443"', 'port: "80"');
    const prod = await diffRevisions({ root: repo.top, base: 'HEAD', cluster: 'prod' });
    expect(prod.summary).toEqual({ added: 0, removed: 0 });
    expect(prod.policies.changed).toEqual([]);
    const staging = await diffRevisions({ root: repo.top, base: 'HEAD', cluster: 'clusters/staging' });
    expect(staging.summary).toEqual({ added: 1, removed: 1 });
    expect(staging.policies.changed.map((p) => [p.name, p.file, p.fields])).toEqual([
      ['api', 'apps/staging/shop.yaml', ['egress[0]']],
    ]);
  });

  it('applies --var to both sides', async () => {
    const repo = useGitRepo({
      'ns.yaml': yaml`
        apiVersion: v1
        kind: Namespace
        metadata:
          name: \${app}
      `,
    });
    const side = await loadRevision(repo.top, 'HEAD', { vars: { app: 'shop' } });
    expect(side.repo.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(side.commit).toBe(repo.git('rev-parse', 'HEAD').trim());
  });
});
