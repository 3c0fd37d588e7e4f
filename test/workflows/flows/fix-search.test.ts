import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deriveCatalog } from '../../../src/catalog/derive-catalog.js';
import { parsePeer } from '../../../src/engine/peer-spec.js';
import type { Flow, Peer } from '../../../src/engine/types.js';
import { createEngine } from '../../../src/engine/verdict.js';
import { applyYamlEdits } from '../../../src/repo/edit.js';
import { loadRepoFromText } from '../../../src/repo/load-repo.js';
import { catalogConfigOf, type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { describeFix, FixSearch, type PolicyChangeFix } from '../../../src/workflows/flows/fix-search.js';
import { homelabFiles } from '../../helpers/homelab.js';
import { yaml } from '../../helpers/use-repo.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
let loaded: LoadedRepo;
let search: FixSearch;

beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB });
  search = new FixSearch(loaded);
});

function peer(text: string): Peer {
  const r = parsePeer(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function flow(source: string, destination: string, port: number, protocol: Flow['protocol'] = 'TCP'): Flow {
  return { source: peer(source), destination: peer(destination), port, protocol };
}

/** Loads a small repository from text and builds what FixSearch needs. */
function repoOf(files: Record<string, string>) {
  const { repo, diagnostics } = loadRepoFromText(files);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { repo, engine: createEngine(repo), catalog: deriveCatalog(repo, catalogConfigOf(repo)) };
}

const GW_INTERNAL = 'istio-gateway/gateway.networking.k8s.io/gateway-name=internal';
const GW_EXTERNAL = 'istio-gateway/gateway.networking.k8s.io/gateway-name=external';
const PROMETHEUS = 'monitoring/app.kubernetes.io/name=prometheus';

describe('FixSearch.diagnose: the seed drop table, answered by the engine', () => {
  // The seed's "Step 2: Classify the Drop" table, row by row. The fix is computed, not looked up: each row
  // checks the engine's answer for a namespace of examples/homelab that lacks what the row is about.
  it.each([
    {
      row: 'Egress to kube-system:53 dropped: should not happen, check the baseline',
      flow: flow('web', 'kube-system/k8s-app=kube-dns', 53, 'UDP'),
      deniedAt: null,
      drift: true,
      fix: {
        kind: 'missing-baseline',
        baseline: 'baseline-dns-egress',
        purpose: 'DNS egress for every pod',
        inRepository: true,
        file: 'network-policy/baselines/dns-egress.yaml',
        line: 8,
      },
    },
    {
      row: 'Egress to database:5432 dropped: add the postgres access label',
      flow: flow('docs', 'database/app.kubernetes.io/name=postgres', 5432),
      deniedAt: 'both',
      drift: false,
      fix: {
        kind: 'add-label',
        namespace: 'docs',
        label: 'access.network-policy.homelab/postgres',
        value: 'true',
        newlyAllowed: ['postgres: database:5432/TCP'],
      },
    },
    {
      row: 'Egress to cache:6379 dropped (Dragonfly lives in cache): add the dragonfly access label',
      flow: flow('docs', 'cache/app.kubernetes.io/name=dragonfly', 6379),
      deniedAt: 'both',
      drift: false,
      fix: {
        kind: 'add-label',
        namespace: 'docs',
        label: 'access.network-policy.homelab/dragonfly',
        value: 'true',
        newlyAllowed: ['dragonfly: cache:6379/TCP'],
      },
    },
    {
      row: 'Egress to internet :443 dropped: switch to internal-egress (not standard: it grants less)',
      flow: flow('dashboard', 'world:203.0.113.10', 443),
      deniedAt: 'egress',
      drift: false,
      fix: {
        kind: 'set-profile',
        namespace: 'dashboard',
        from: 'internal',
        to: 'internal-egress',
        newlyAllowed: ['world:443/TCP'],
        noLongerAllowed: [],
      },
    },
    {
      row: 'Ingress from istio-gateway dropped: switch to internal (the least of internal, internal-egress, standard)',
      flow: flow(GW_INTERNAL, 'batch-worker', 8080),
      deniedAt: 'both',
      drift: false,
      fix: {
        kind: 'set-profile',
        namespace: 'batch-worker',
        from: 'isolated',
        to: 'internal',
        newlyAllowed: ['from the internal gateway (istio-gateway) on 80/TCP'],
        noLongerAllowed: [],
      },
    },
    {
      row: 'Ingress from monitoring:prometheus dropped: should not happen, check the baseline',
      flow: flow(PROMETHEUS, 'web', 8080),
      deniedAt: null,
      drift: true,
      fix: {
        kind: 'missing-baseline',
        baseline: 'baseline-prometheus-scrape',
        purpose: 'scrapes from monitoring/prometheus on 8080/TCP, 9090/TCP, 9100/TCP, 15020/TCP',
        inRepository: true,
        file: 'network-policy/baselines/prometheus-scrape.yaml',
        line: 13,
      },
    },
  ])('$row', ({ flow: f, deniedAt, drift, fix }) => {
    const d = search.diagnose(f);
    expect(d).toMatchObject({ deniedAt, drift, fixReason: null });
    expect(d.fix).toEqual(fix);
  });

  it('does not repeat the seed table mistake: a drop to database:6379 gets no dragonfly label', () => {
    // The seed says "Egress to database:6379 dropped -> add dragonfly"; Dragonfly is in namespace cache, so the
    // dragonfly grant (egress to cache:6379) cannot allow it, and no other label change does either.
    const d = search.diagnose(flow('docs', 'database/app.kubernetes.io/name=postgres', 6379));
    expect(d.fix).toBeNull();
    expect(search.labelChangesAllowing(flow('docs', 'database', 6379))).toEqual([]);
    expect(d.cause).toBe('denied at egress of docs and ingress of database/postgres: no rule allows it');
    expect(d.fixReason).toBe(
      'no profile or access grant of the catalogue allows egress of docs to database/postgres on 6379/TCP; platform namespace database does not allow ingress from docs on 6379/TCP, and a rule there alone would not be enough',
    );
  });

  it('explains the cause in plain words', () => {
    expect(search.diagnose(flow('docs', 'database', 5432)).cause).toBe(
      'namespace docs lacks access grant "postgres", which allows egress to database on 5432/TCP',
    );
    expect(search.diagnose(flow('dashboard', 'world:203.0.113.10', 443)).cause).toBe(
      'namespace dashboard has profile "internal", which does not allow egress to world:203.0.113.10 on 443/TCP; profile "internal-egress" does',
    );
    expect(
      search.diagnose(flow('web', 'kube-system/k8s-app=kube-dns', 53, 'UDP'), { direction: 'egress' }).cause,
    ).toBe(
      'git allows it (baseline-dns-egress, profile-standard), but the cluster dropped it at egress: the cluster does not run what git says',
    );
  });

  it('gives no fix for a scrape on a port the baseline does not admit, and says which ports it does', () => {
    const d = search.diagnose(flow(PROMETHEUS, 'web', 9187));
    expect(d.fix).toBeNull();
    expect(d.fixReason).toContain(
      'scrapes from monitoring/prometheus reach application pods only on the ports baseline-prometheus-scrape admits (8080/TCP, 9090/TCP, 9100/TCP, 15020/TCP): serve metrics on one of them',
    );
  });

  it('gives no fix between application namespaces: no profile or access grant opens it', () => {
    const d = search.diagnose(flow('web', 'billing', 8080));
    expect(d.fix).toBeNull();
    expect(d.deniedAt).toBe('both');
  });

  it('adds an access grant to a platform namespace but never gives it a profile', () => {
    const d = search.diagnose(flow('cache/app.kubernetes.io/name=dragonfly', 'garage', 3900));
    expect(d.fix).toMatchObject({
      kind: 'add-label',
      namespace: 'cache',
      label: 'access.network-policy.homelab/garage-s3',
    });
    // Egress from a platform namespace to the internet: profiles would allow it, but platform namespaces take none.
    const world = search.diagnose(flow('cache/app.kubernetes.io/name=dragonfly', 'world:203.0.113.10', 443));
    expect(world.fix).toMatchObject({ kind: 'policy-change', namespace: 'cache', policy: 'cache-default' });
  });
});

describe('FixSearch.labelChangesAllowing', () => {
  it('lists grants before profiles, profiles by least extra privilege', () => {
    const changes = search.labelChangesAllowing(flow(GW_INTERNAL, 'batch-worker', 8080));
    expect(
      changes.map((c) => (c.kind === 'set-profile' ? `${c.to}: +${c.newlyAllowed.length}` : c.label)),
    ).toEqual(['internal: +1', 'internal-egress: +2', 'standard: +3']);
  });

  it('prefers an access grant to a profile switch when both allow the flow (a grant adds less)', () => {
    const s = new FixSearch(
      repoOf({
        'ns.yaml': yaml`
          apiVersion: v1
          kind: Namespace
          metadata: { name: shop, labels: { example.org/profile: narrow } }
          ---
          apiVersion: v1
          kind: Namespace
          metadata: { name: database }
        `,
        'policies.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: profile-narrow }
          spec:
            endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.example.org/profile: narrow } }
            egress:
              - toEntities: [world]
                toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
          ---
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: profile-wide }
          spec:
            endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.example.org/profile: wide } }
            egress:
              - toEntities: [world]
              - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: database } }]
          ---
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: access-postgres }
          spec:
            endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.access.example.org/postgres: "true" } }
            egress:
              - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: database } }]
                toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]
        `,
      }),
    );
    const changes = s.labelChangesAllowing(flow('shop', 'database', 5432));
    expect(changes.map((c) => c.kind)).toEqual(['add-label', 'set-profile']);
    expect(s.diagnose(flow('shop', 'database', 5432)).fix).toEqual({
      kind: 'add-label',
      namespace: 'shop',
      label: 'access.example.org/postgres',
      value: 'true',
      newlyAllowed: ['postgres: database:5432/TCP'],
    });
    // The switch would newly allow more: world on every port as well.
    expect(changes[1]).toMatchObject({ kind: 'set-profile', to: 'wide' });
    expect((changes[1] as { newlyAllowed: string[] }).newlyAllowed.length).toBeGreaterThan(1);
  });

  it('counts what a switch takes away', () => {
    // web is standard; only standard admits the external gateway, so nothing else is proposed for that flow,
    // but for the internal gateway every profile but isolated would do.
    const changes = search.labelChangesAllowing(flow(GW_INTERNAL, 'batch-worker', 3000));
    expect(changes[0]).toMatchObject({ kind: 'set-profile', to: 'internal', noLongerAllowed: [] });
    const fromWeb = search.labelChangesAllowing(flow(GW_EXTERNAL, 'wiki', 8080));
    expect(fromWeb).toEqual([
      {
        kind: 'set-profile',
        namespace: 'wiki',
        from: 'internal',
        to: 'standard',
        newlyAllowed: ['world:443/TCP', 'from the external gateway (istio-gateway) on 80/TCP'],
        noLongerAllowed: [],
      },
    ]);
  });
});

describe('FixSearch.proposePolicyChange', () => {
  it('writes the rule for the platform CNP that selects the pod, and the engine allows the flow with it', () => {
    const f: Flow = {
      source: peer('monitoring/app.kubernetes.io/name=grafana'),
      destination: { kind: 'world', ip: '34.120.177.193', names: ['grafana.com'] },
      port: 443,
      protocol: 'TCP',
    };
    const d = search.diagnose(f);
    const fix = d.fix as PolicyChangeFix;
    expect(fix).toEqual({
      kind: 'policy-change',
      namespace: 'monitoring',
      policy: 'grafana',
      direction: 'egress',
      at: 'spec.egress',
      rule: yaml`
        - toFQDNs:
            - matchName: grafana.com
          toPorts:
            - ports:
                - port: "443"
                  protocol: TCP
        # DNS through the Cilium DNS proxy, so toFQDNs learns the addresses of the names above
        - toEndpoints:
            - matchLabels:
                io.kubernetes.pod.namespace: kube-system
                k8s-app: kube-dns
          toPorts:
            - ports:
                - port: "53"
                  protocol: ANY
              rules:
                dns:
                  - matchPattern: "*"
      `,
      file: 'network-policy/platform/monitoring.yaml',
      newPolicy: false,
    });
    expect(d.cause).toBe(
      'no policy of platform namespace monitoring allows egress of monitoring/grafana to world:grafana.com on 443/TCP',
    );

    // Independent check: paste the rules into monitoring.yaml (the grafana CNP), reload the
    // whole repository and ask the engine.
    const files = homelabFiles();
    const file = 'network-policy/platform/monitoring.yaml';
    const before = loadRepoFromText(files).repo;
    expect(createEngine(before).verdict(f).verdict).toBe('denied');
    const grafana = before.policies.find((p) => p.name === 'grafana');
    if (grafana?.kind !== 'CiliumNetworkPolicy') throw new Error('no grafana CNP');
    const egressCount = grafana.rules[0]?.egress?.length ?? 0;
    let text = files[file] as string;
    (parse(fix.rule) as unknown[]).forEach((rule, i) => {
      text = applyYamlEdits(text, [
        { documentIndex: grafana.documentIndex, path: ['spec', 'egress', egressCount + i], value: rule },
      ]).text;
    });
    const after = loadRepoFromText({ ...files, [file]: text });
    expect(after.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(createEngine(after.repo).verdict(f).verdict).toBe('allowed');
  });

  it('falls back to toEntities world when there is no DNS name', () => {
    const d = search.diagnose(flow('cache/app.kubernetes.io/name=dragonfly', 'world:203.0.113.10', 443));
    expect((d.fix as PolicyChangeFix).rule).toBe(yaml`
      - toEntities:
          - world
        toPorts:
          - ports:
              - port: "443"
                protocol: TCP
    `);
  });

  it('proposes both rules when both sides are platform namespaces, verified together', () => {
    const d = search.diagnose(flow(PROMETHEUS, 'garage/app.kubernetes.io/name=garage', 3999));
    expect(d.deniedAt).toBe('both');
    expect(d.fix).toMatchObject({
      kind: 'policy-change',
      namespace: 'monitoring',
      policy: 'prometheus',
      direction: 'egress',
      also: { kind: 'policy-change', namespace: 'garage', policy: 'garage-default', direction: 'ingress' },
    });
    expect((d.fix as PolicyChangeFix).also?.rule).toBe(yaml`
      - fromEndpoints:
          - matchLabels:
              io.kubernetes.pod.namespace: monitoring
              app.kubernetes.io/name: prometheus
        toPorts:
          - ports:
              - port: "3999"
                protocol: TCP
    `);
    expect(describeFix(d.fix as PolicyChangeFix)).toContain(
      'and add to CiliumNetworkPolicy garage/garage-default (network-policy/platform/garage.yaml) this ingress rule under spec.ingress:',
    );
  });

  it('writes the server side of an access grant with the grant label when the platform CNP lacks it', () => {
    const files = homelabFiles();
    // database.yaml without the postgres CNP (its second document): the grant's client side stays.
    const database = (files['network-policy/platform/database.yaml'] as string).split('\n---\n')[0] as string;
    const s = new FixSearch(repoOf({ ...files, 'network-policy/platform/database.yaml': database }));
    const d = s.diagnose(flow('billing', 'database/app.kubernetes.io/name=postgres', 5432));
    expect(d.deniedAt).toBe('ingress');
    expect(d.cause).toBe(
      'no policy of platform namespace database admits namespaces with access grant "postgres" (the server side of the grant)',
    );
    expect(d.fix).toMatchObject({ policy: 'database-default', direction: 'ingress', at: 'spec.ingress' });
    expect((d.fix as PolicyChangeFix).rule).toBe(yaml`
      - fromEndpoints:
          - matchLabels:
              io.cilium.k8s.namespace.labels.access.network-policy.homelab/postgres: "true"
        toPorts:
          - ports:
              - port: "5432"
                protocol: TCP
    `);
  });
});

describe('FixSearch.diagnose: baselines, deny rules and drift', () => {
  const NAMESPACES = yaml`
    apiVersion: v1
    kind: Namespace
    metadata: { name: shop, labels: { example.org/profile: web } }
    ---
    apiVersion: v1
    kind: Namespace
    metadata: { name: kube-system }
  `;
  const PROFILE = yaml`
    apiVersion: cilium.io/v2
    kind: CiliumClusterwideNetworkPolicy
    metadata: { name: profile-web }
    spec:
      endpointSelector:
        matchLabels: { io.cilium.k8s.namespace.labels.example.org/profile: web }
      egress:
        - toEntities: [world]
          toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
  `;

  it('says which baseline is missing when the repository has no DNS baseline', () => {
    const s = new FixSearch(repoOf({ 'ns.yaml': NAMESPACES, 'profile.yaml': PROFILE }));
    const d = s.diagnose(flow('shop', 'kube-system/k8s-app=kube-dns', 53, 'UDP'));
    expect(d.fix).toEqual({
      kind: 'missing-baseline',
      baseline: null,
      purpose: 'DNS egress for every pod',
      inRepository: false,
      file: null,
      line: null,
    });
    expect(d.cause).toBe(
      'the repository has no DNS baseline: no clusterwide policy lets every pod reach DNS',
    );
    expect(describeFix(d.fix as NonNullable<typeof d.fix>)).toBe(
      'the repository lacks a baseline for DNS egress for every pod: add a CiliumClusterwideNetworkPolicy with an empty endpointSelector that allows it',
    );
  });

  it('proposes nothing against a deny rule, and names it', () => {
    const deny = yaml`
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata: { name: no-stripe, namespace: shop }
      spec:
        endpointSelector: {}
        egressDeny:
          - toEntities: [world]
            toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
    `;
    const s = new FixSearch(repoOf({ 'ns.yaml': NAMESPACES, 'profile.yaml': PROFILE, 'deny.yaml': deny }));
    const d = s.diagnose(flow('shop', 'world:203.0.113.10', 443));
    expect(d.fix).toBeNull();
    expect(d.cause).toBe(
      'denied at egress of shop by deny rule CiliumNetworkPolicy/shop/no-stripe egressDeny[0] (deny.yaml:7)',
    );
    expect(d.fixReason).toBe(
      'a deny rule wins over every allow, so no label change or added rule can allow it: narrow or remove the deny rule',
    );
  });

  it('names a deny policy the cluster runs but git does not have', () => {
    const d = search.diagnose(flow('billing', 'world:185.60.216.35', 443), {
      direction: 'egress',
      deniedBy: ['CiliumNetworkPolicy/billing/block-egress'],
    });
    expect(d).toMatchObject({ drift: true, deniedAt: 'egress', fix: null });
    expect(d.cause).toBe(
      'git allows it (profile-internal-egress), but the cluster dropped it at egress: the cluster does not run what git says; the cluster denies it with CiliumNetworkPolicy billing/block-egress, which git does not have',
    );
    expect(d.fixReason).toBe(
      'remove CiliumNetworkPolicy billing/block-egress from the cluster, or commit it to git if it is wanted',
    );
  });

  it('names namespace labels that differ between the cluster and git', () => {
    const d = search.diagnose(flow('billing', 'database', 5432), {
      direction: 'egress',
      liveNamespaceLabels: {
        source: {
          'network-policy.homelab/profile': 'internal-egress',
          'access.network-policy.homelab/dragonfly': 'true',
        },
      },
    });
    expect(d.drift).toBe(true);
    expect(d.cause).toBe(
      'git allows it (access-postgres), but the cluster dropped it at egress: the cluster does not run what git says (namespace billing label access.network-policy.homelab/postgres: the cluster lacks it, git has "true")',
    );
    expect(d.fixReason).toBe('apply the namespace labels from git (reconcile the namespace manifest)');
  });

  it('never blames a label whose cluster value would still allow the flow (a grant added by drops --fix)', () => {
    // billing in git carries the postgres grant; a cluster without it still allows DNS, so a DNS drop is
    // a missing baseline, not that label.
    const d = search.diagnose(flow('billing', 'kube-system/k8s-app=kube-dns', 53, 'UDP'), {
      direction: 'egress',
      liveNamespaceLabels: { source: { 'network-policy.homelab/profile': 'internal-egress' } },
    });
    expect(d.cause).toBe(
      'git allows it (baseline-dns-egress, profile-internal-egress), but the cluster dropped it at egress: the cluster does not run what git says',
    );
    expect(d.fix).toMatchObject({ kind: 'missing-baseline', baseline: 'baseline-dns-egress' });
  });

  it('names only the deciding label among several that differ', () => {
    const d = search.diagnose(flow('billing', 'world:203.0.113.10', 443), {
      direction: 'egress',
      liveNamespaceLabels: { source: { 'network-policy.homelab/profile': 'isolated' } },
    });
    expect(d.cause).toBe(
      'git allows it (profile-internal-egress), but the cluster dropped it at egress: the cluster does not run what git says (namespace billing label network-policy.homelab/profile: the cluster has "isolated", git has "internal-egress")',
    );
  });

  it('points at the access grant, not a baseline, when git allows a grant flow the cluster dropped', () => {
    const d = search.diagnose(flow('billing', 'database', 5432), { direction: 'egress' });
    expect(d.fix).toBeNull();
    expect(d.fixReason).toBe(
      'check that namespace billing carries access.network-policy.homelab/postgres: "true" in the cluster (git sets it) and that CiliumClusterwideNetworkPolicy/access-postgres (access grant "postgres") is applied',
    );
  });
});

describe('FixSearch.planLabels', () => {
  it('starts fresh with the least privileged profile and only the grants the flows need', () => {
    const flows = [
      flow('web', 'kube-system/k8s-app=kube-dns', 53, 'UDP'),
      flow(GW_INTERNAL, 'web', 8080),
      flow('web', 'database', 5432),
    ];
    const plan = search.planLabels('web', flows, 'fresh');
    expect(plan).toMatchObject({ profile: 'internal', grants: ['postgres'], unallowed: [] });
    expect(plan.labels).toEqual({
      'kubernetes.io/metadata.name': 'web',
      'network-policy.homelab/profile': 'internal',
      'access.network-policy.homelab/postgres': 'true',
    });
  });

  it('keeps the current grants and picks one profile for conflicting needs', () => {
    const flows = [flow('wiki', 'world:203.0.113.10', 443), flow(GW_EXTERNAL, 'wiki', 8080)];
    const plan = search.planLabels('wiki', flows, 'keep');
    expect(plan).toMatchObject({ profile: 'standard', grants: ['garage-s3'], unallowed: [] });
    expect(plan.labels['istio.io/dataplane-mode']).toBe('ambient');
  });

  it('reports the flows no label set allows', () => {
    const plan = search.planLabels(
      'web',
      [flow('web', 'billing', 8080), flow('web', 'world:203.0.113.10', 443)],
      'fresh',
    );
    expect(plan).toMatchObject({ profile: 'internal-egress', grants: [], unallowed: [0] });
  });
});
