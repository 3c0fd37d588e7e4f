/**
 * The example GitOps repository (examples/homelab) is well-formed (that every policy and alert validates
 * against the official CRD schemas is in test/conformance/schemas.test.ts): namespaces follow the seed's rules (no profile on platform
 * namespaces, no committed escape hatch), the kustomization tree lists every file, and
 * connectivity-tests.yaml covers every row of the seed's profile and access-label tables.
 * Verdicts themselves are checked by running connectivity-tests.yaml through the engine.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = path.join(root, 'examples/homelab');
const DOMAIN = 'network-policy.homelab';
const PROFILE_LABEL = `${DOMAIN}/profile`;
const ENFORCEMENT_LABEL = `${DOMAIN}/enforcement`;
const ACCESS_PREFIX = `access.${DOMAIN}/`;
/** Files read by netpol itself, not Kubernetes objects. */
const NON_MANIFESTS = new Set(['netpol.config.yaml', 'connectivity-tests.yaml']);

interface Manifest {
  readonly file: string;
  readonly index: number;
  readonly obj: {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
    spec?: Record<string, unknown>;
    resources?: string[];
  };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of yamlFiles(example)) {
    if (NON_MANIFESTS.has(path.relative(example, file))) continue;
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    docs.forEach((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as Manifest['obj'] | null;
      if (obj !== null) out.push({ file: path.relative(example, file), index, obj });
    });
  }
  return out;
}

const manifests = loadManifests();
const config = parse(readFileSync(path.join(example, 'netpol.config.yaml'), 'utf8')) as {
  cluster: Record<string, unknown>;
  catalog: { domain: string; platformNamespaces: string[]; gatewayNamespace: string };
  lint: { cidrAllowList: string[] };
};
const namespaces = manifests.filter((m) => m.obj.kind === 'Namespace');
const labelsOf = (ns: string): Record<string, string> =>
  namespaces.find((m) => m.obj.metadata?.name === ns)?.obj.metadata?.labels ?? {};
const where = (m: Manifest) => `${m.file}#${m.index} ${m.obj.kind}/${m.obj.metadata?.name ?? '?'}`;

describe('examples/homelab manifests', () => {
  it('parses into the expected objects', () => {
    const kinds = new Map<string, number>();
    for (const m of manifests) kinds.set(String(m.obj.kind), (kinds.get(String(m.obj.kind)) ?? 0) + 1);
    expect(kinds.get('CiliumClusterwideNetworkPolicy')).toBeGreaterThanOrEqual(14);
    expect(kinds.get('CiliumNetworkPolicy')).toBeGreaterThanOrEqual(14);
    expect(kinds.get('PrometheusRule')).toBe(1);
    expect(kinds.get('Namespace')).toBeGreaterThanOrEqual(13);
  });

  it('gives every Cilium policy a description', () => {
    const missing = manifests
      .filter((m) => m.obj.apiVersion === 'cilium.io/v2')
      .filter((m) => typeof m.obj.spec?.description !== 'string' || m.obj.spec.description === '')
      .map(where);
    expect(missing).toEqual([]);
  });

  it('puts CNPs only in platform namespaces and never in application ones', () => {
    const cnpNamespaces = new Set(
      manifests.filter((m) => m.obj.kind === 'CiliumNetworkPolicy').map((m) => m.obj.metadata?.namespace),
    );
    for (const ns of cnpNamespaces) expect(config.catalog.platformNamespaces).toContain(ns);
  });

  it('only names CIDRs from the lint allow-list', () => {
    const text = manifests.map((m) => JSON.stringify(m.obj)).join('\n');
    const cidrs = new Set(text.match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? []);
    expect([...cidrs]).toEqual(config.lint.cidrAllowList);
  });
});

describe('examples/homelab namespaces', () => {
  it('declares every platform namespace of netpol.config.yaml, without a profile label', () => {
    for (const ns of config.catalog.platformNamespaces) {
      expect(namespaces.map((m) => m.obj.metadata?.name)).toContain(ns);
      expect(labelsOf(ns), `platform namespace ${ns}`).not.toHaveProperty([PROFILE_LABEL]);
    }
  });

  it('never commits the escape hatch (enforcement=disabled)', () => {
    const disabled = namespaces.filter((m) => m.obj.metadata?.labels?.[ENFORCEMENT_LABEL] !== undefined);
    expect(disabled.map(where)).toEqual([]);
  });

  it('gives every application namespace a profile that exists, and covers every profile and access label', () => {
    const profiles = new Set(
      manifests
        .filter((m) => m.obj.kind === 'CiliumClusterwideNetworkPolicy')
        .map((m) => m.obj.metadata?.name ?? '')
        .filter((n) => n.startsWith('profile-'))
        .map((n) => n.slice('profile-'.length)),
    );
    expect([...profiles].sort()).toEqual(['internal', 'internal-egress', 'isolated', 'standard']);
    const apps = namespaces.filter(
      (m) => !config.catalog.platformNamespaces.includes(m.obj.metadata?.name ?? ''),
    );
    expect(apps.length).toBeGreaterThanOrEqual(6);
    const usedProfiles = new Set<string>();
    const usedAccess = new Set<string>();
    for (const m of apps) {
      const labels = m.obj.metadata?.labels ?? {};
      const profile = labels[PROFILE_LABEL];
      expect(profile, where(m)).toBeDefined();
      expect(profiles.has(String(profile)), `${where(m)} profile ${profile}`).toBe(true);
      usedProfiles.add(String(profile));
      for (const [k, v] of Object.entries(labels)) {
        if (!k.startsWith(ACCESS_PREFIX)) continue;
        expect(v, `${where(m)} ${k}`).toBe('true');
        usedAccess.add(k.slice(ACCESS_PREFIX.length));
      }
    }
    expect([...usedProfiles].sort()).toEqual([...profiles].sort());
    expect([...usedAccess].sort()).toEqual(['dragonfly', 'garage-s3', 'kube-api', 'postgres']);
  });
});

describe('examples/homelab kustomizations', () => {
  it('lists every manifest and folder, and every listed resource exists', () => {
    const problems: string[] = [];
    const visit = (dir: string) => {
      const kfile = path.join(dir, 'kustomization.yaml');
      if (!existsSync(kfile)) {
        problems.push(`${path.relative(example, dir)}: no kustomization.yaml`);
        return;
      }
      const k = parse(readFileSync(kfile, 'utf8')) as { kind?: string; resources?: string[] };
      expect(k.kind).toBe('Kustomization');
      const listed = new Set(k.resources ?? []);
      for (const r of listed) {
        if (!existsSync(path.join(dir, r)))
          problems.push(`${path.relative(example, kfile)}: ${r} does not exist`);
      }
      for (const entry of readdirSync(dir)) {
        const p = path.join(dir, entry);
        const rel = path.relative(example, p);
        if (statSync(p).isDirectory()) {
          // docs/runbooks/ holds the runbooks the alerts link to: documentation, not Kubernetes objects.
          if (rel === 'docs') continue;
          if (!listed.has(entry)) problems.push(`${rel}/ is not listed in its parent kustomization`);
          else visit(p);
        } else if (/\.ya?ml$/.test(entry) && entry !== 'kustomization.yaml' && !NON_MANIFESTS.has(rel)) {
          if (!listed.has(entry)) problems.push(`${rel} is not listed in ${path.relative(example, kfile)}`);
        }
      }
    };
    visit(example);
    expect(problems).toEqual([]);
  });
});

describe('examples/homelab alerts', () => {
  it('fires NetworkPolicyEnforcementDisabled (warning, 5m) and ...Long (critical, 24h)', () => {
    const rule = manifests.find((m) => m.obj.kind === 'PrometheusRule');
    const groups = (rule?.obj.spec?.groups ?? []) as {
      rules: {
        alert: string;
        expr: string;
        for: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      }[];
    }[];
    const alerts = groups.flatMap((g) => g.rules);
    const expectations = [
      ['NetworkPolicyEnforcementDisabled', 'warning', '5m'],
      ['NetworkPolicyEnforcementDisabledLong', 'critical', '24h'],
    ] as const;
    for (const [name, severity, duration] of expectations) {
      const alert = alerts.find((a) => a.alert === name);
      expect(alert, name).toBeDefined();
      expect(alert?.labels.severity).toBe(severity);
      expect(alert?.for).toBe(duration);
      expect(alert?.expr).toBe('kube_namespace_labels{label_network_policy_homelab_enforcement="disabled"}');
      expect(alert?.annotations.runbook_url).toContain('docs/runbooks/network-policy-escape-hatch.md');
      expect(alert?.annotations.summary).toBeTruthy();
      expect(alert?.annotations.description).toBeTruthy();
    }
  });
});

interface Assertion {
  from: string;
  to: string;
  port: number;
  protocol: string;
  expect: 'allowed' | 'denied';
  because: string;
}

describe('examples/homelab connectivity-tests.yaml', () => {
  const tests = parse(readFileSync(path.join(example, 'connectivity-tests.yaml'), 'utf8')) as Assertion[];
  const nsOf = (peer: string) => peer.split('/')[0] ?? '';
  const gateway = (name: string) =>
    `${config.catalog.gatewayNamespace}/gateway.networking.k8s.io/gateway-name=${name}`;
  const find = (p: (t: Assertion) => boolean) => tests.filter(p);

  it('has at least 40 well-formed assertions', () => {
    expect(tests.length).toBeGreaterThanOrEqual(40);
    for (const t of tests) {
      expect(Object.keys(t).sort()).toEqual(['because', 'expect', 'from', 'port', 'protocol', 'to']);
      expect(['allowed', 'denied']).toContain(t.expect);
      expect(['TCP', 'UDP']).toContain(t.protocol);
      expect(Number.isInteger(t.port) && t.port > 0 && t.port < 65536).toBe(true);
      expect(t.because.length).toBeGreaterThan(10);
    }
  });

  it('only names namespaces the repository declares', () => {
    const declared = new Set(namespaces.map((m) => m.obj.metadata?.name));
    const special = /^(world:|kube-apiserver$|host$|health$|remote-node$)/;
    for (const t of tests) {
      for (const peer of [t.from, t.to])
        if (!special.test(peer)) expect(declared, peer).toContain(nsOf(peer));
    }
  });

  it('covers every row of the profile table: both gateways, HTTPS egress and DNS', () => {
    const APP_PORTS = [80, 8080, 3000];
    const rows: Record<string, { internal: boolean; external: boolean; https: boolean }> = {
      isolated: { internal: false, external: false, https: false },
      internal: { internal: true, external: false, https: false },
      'internal-egress': { internal: true, external: false, https: true },
      standard: { internal: true, external: true, https: true },
    };
    for (const [profile, row] of Object.entries(rows)) {
      const inProfile = (peer: string) =>
        labelsOf(nsOf(peer))[PROFILE_LABEL] === profile && !peer.includes('/');
      for (const gw of ['internal', 'external'] as const) {
        const hits = find((t) => t.from === gateway(gw) && inProfile(t.to) && APP_PORTS.includes(t.port));
        expect(hits.length, `${profile}: ingress from ${gw} gateway`).toBeGreaterThan(0);
        for (const t of hits) expect(t.expect, `${t.from} -> ${t.to}`).toBe(row[gw] ? 'allowed' : 'denied');
      }
      const https = find((t) => inProfile(t.from) && t.to.startsWith('world:') && t.port === 443);
      expect(https.length, `${profile}: HTTPS egress`).toBeGreaterThan(0);
      for (const t of https) expect(t.expect, `${t.from} -> ${t.to}`).toBe(row.https ? 'allowed' : 'denied');
      const dns = find((t) => inProfile(t.from) && t.to === 'kube-system/k8s-app=kube-dns' && t.port === 53);
      expect(dns.length, `${profile}: DNS`).toBeGreaterThan(0);
      for (const t of dns) expect(t.expect).toBe('allowed');
    }
  });

  it('covers every access label: a namespace with it is allowed, one without it is denied', () => {
    const resources: Record<string, { to: (peer: string) => boolean; port: number }> = {
      postgres: { to: (p) => nsOf(p) === 'database', port: 5432 },
      dragonfly: { to: (p) => nsOf(p) === 'cache', port: 6379 },
      'garage-s3': { to: (p) => nsOf(p) === 'garage', port: 3900 },
      'kube-api': { to: (p) => p === 'kube-apiserver', port: 6443 },
    };
    for (const [label, r] of Object.entries(resources)) {
      const hits = find((t) => r.to(t.to) && t.port === r.port && !t.from.startsWith('world:'));
      const granted = (t: Assertion) => labelsOf(nsOf(t.from))[`${ACCESS_PREFIX}${label}`] === 'true';
      const withLabel = hits.filter(granted);
      const without = hits.filter((t) => !granted(t));
      expect(withLabel.length, `${label}: granted namespace`).toBeGreaterThan(0);
      expect(without.length, `${label}: namespace without the label`).toBeGreaterThan(0);
      for (const t of withLabel) expect(t.expect, `${t.from} -> ${t.to}`).toBe('allowed');
      for (const t of without.filter((t) => !config.catalog.platformNamespaces.includes(nsOf(t.from)))) {
        expect(t.expect, `${t.from} -> ${t.to}`).toBe('denied');
      }
    }
  });
});
