/**
 * Synthetic GitOps repositories for benchmarks: N namespaces with profiles and access labels spread over
 * them, the seed's baselines, profiles and access policies as CCNPs, M platform namespaces with CNPs, and
 * per-application CNPs so that the policy count is about `policiesPerNamespace × N`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Generator options. */
export interface RepoShape {
  /** Application namespaces. */
  readonly namespaces: number;
  /** Application CNPs per namespace (each a different kind of rule). Default: 4. */
  readonly policiesPerNamespace?: number;
  /** Platform namespaces with hand-written CNPs. Default: 6. */
  readonly platformNamespaces?: number;
  /** PRNG seed. Default: 1. */
  readonly seed?: number;
}

const DOMAIN = 'network-policy.bench';
const PROFILES = ['isolated', 'internal', 'internal-egress', 'standard'] as const;
const GRANTS = [
  ['postgres', 'database', 5432],
  ['dragonfly', 'cache', 6379],
  ['garage-s3', 'garage', 3900],
] as const;

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ccnp = (name: string, body: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata:\n  name: ${name}\nspec:\n${body}`;
const cnp = (name: string, ns: string, body: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${body}`;

/** The namespace names the generator uses, so benchmarks can build flows. */
export function appNamespaceName(i: number): string {
  return `app-${String(i).padStart(5, '0')}`;
}

/** The app labels every generated namespace's workloads carry. */
export const APP_LABELS = ['web', 'api', 'worker', 'cron'] as const;

/**
 * Generates the repository as `path → YAML text`, with a root kustomization.yaml listing every file.
 * Deterministic for a given shape.
 */
export function generateRepo(shape: RepoShape): Record<string, string> {
  const rand = prng(shape.seed ?? 1);
  const perNs = shape.policiesPerNamespace ?? 4;
  const platform = shape.platformNamespaces ?? 6;
  const files: Record<string, string> = {};

  files['baselines.yaml'] = [
    ccnp(
      'baseline-dns',
      `  endpointSelector: {}\n  egress:\n    - toEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: kube-system\n            k8s-app: kube-dns\n      toPorts:\n        - ports:\n            - port: "53"\n              protocol: UDP\n            - port: "53"\n              protocol: TCP\n`,
    ),
    ccnp(
      'baseline-health',
      `  endpointSelector: {}\n  ingress:\n    - fromEntities: [health]\n    - fromCIDR: ["169.254.0.0/16"]\n`,
    ),
    ccnp(
      'baseline-scrape',
      `  endpointSelector: {}\n  ingress:\n    - fromEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: monitoring\n            app.kubernetes.io/name: prometheus\n      toPorts:\n        - ports:\n            - port: "9090"\n              protocol: TCP\n`,
    ),
    ccnp(
      'baseline-kube-api',
      `  endpointSelector:\n    matchLabels:\n      io.cilium.k8s.namespace.labels.access.${DOMAIN}/kube-api: "true"\n  egress:\n    - toEntities: [kube-apiserver]\n      toPorts:\n        - ports:\n            - port: "6443"\n              protocol: TCP\n`,
    ),
  ].join('---\n');

  const gw = (name: string) =>
    `    - fromEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: istio-gateway\n            gateway.networking.k8s.io/gateway-name: ${name}\n      toPorts:\n        - ports:\n            - port: "8080"\n              protocol: TCP\n`;
  const https = `    - toEntities: [world]\n      toPorts:\n        - ports:\n            - port: "443"\n              protocol: TCP\n`;
  files['profiles.yaml'] = PROFILES.map((p) => {
    const sel = `  endpointSelector:\n    matchLabels:\n      io.cilium.k8s.namespace.labels.${DOMAIN}/profile: ${p}\n`;
    const ingress =
      p === 'isolated' ? '' : `  ingress:\n${gw('internal')}${p === 'standard' ? gw('external') : ''}`;
    const egress = p === 'internal-egress' || p === 'standard' ? `  egress:\n${https}` : '';
    return ccnp(`profile-${p}`, sel + ingress + egress + (ingress + egress === '' ? '  ingress: []\n' : ''));
  }).join('---\n');

  files['access.yaml'] = GRANTS.map(([name, ns, port]) =>
    ccnp(
      `access-${name}`,
      `  endpointSelector:\n    matchLabels:\n      io.cilium.k8s.namespace.labels.access.${DOMAIN}/${name}: "true"\n  egress:\n    - toEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: ${ns}\n      toPorts:\n        - ports:\n            - port: "${port}"\n              protocol: TCP\n`,
    ),
  ).join('---\n');

  const platformNames = ['kube-system', 'monitoring', 'istio-gateway', ...GRANTS.map((g) => g[1])];
  for (let i = platformNames.length; i < platform; i++) platformNames.push(`platform-${i}`);
  const nsDocs: string[] = [];
  const platformDocs: string[] = [];
  for (const name of platformNames.slice(0, Math.max(platform, 6))) {
    nsDocs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
    const grant = GRANTS.find((g) => g[1] === name);
    const grantIngress = grant
      ? `    - fromEndpoints:\n        - matchLabels:\n            io.cilium.k8s.namespace.labels.access.${DOMAIN}/${grant[0]}: "true"\n      toPorts:\n        - ports:\n            - port: "${grant[2]}"\n              protocol: TCP\n`
      : '';
    platformDocs.push(
      cnp(
        `${name}-default`,
        name,
        `  endpointSelector: {}\n  ingress:\n    - fromEntities: [health]\n${grantIngress}  egress:\n    - toEntities: [kube-apiserver]\n      toPorts:\n        - ports:\n            - port: "6443"\n              protocol: TCP\n`,
      ),
    );
  }
  files['platform.yaml'] = platformDocs.join('---\n');

  const appDocs: string[] = [];
  for (let i = 0; i < shape.namespaces; i++) {
    const ns = appNamespaceName(i);
    const profile = PROFILES[Math.floor(rand() * PROFILES.length)] as string;
    const labels = [`    ${DOMAIN}/profile: ${profile}`];
    for (const [g] of GRANTS) if (rand() < 0.3) labels.push(`    access.${DOMAIN}/${g}: "true"`);
    if (rand() < 0.2) labels.push(`    access.${DOMAIN}/kube-api: "true"`);
    nsDocs.push(
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels:\n${labels.join('\n')}\n`,
    );
    const kinds = [
      // web → api inside the namespace
      cnp(
        'api-from-web',
        ns,
        `  endpointSelector:\n    matchLabels:\n      app: api\n  ingress:\n    - fromEndpoints:\n        - matchLabels:\n            app: web\n      toPorts:\n        - ports:\n            - port: "8080"\n              protocol: TCP\n`,
      ),
      // worker → api
      cnp(
        'api-from-worker',
        ns,
        `  endpointSelector:\n    matchLabels:\n      app: api\n  ingress:\n    - fromEndpoints:\n        - matchExpressions:\n            - key: app\n              operator: In\n              values: [worker, cron]\n      toPorts:\n        - ports:\n            - port: "8081"\n              endPort: 8090\n              protocol: TCP\n`,
      ),
      // cron egress to a neighbour namespace's api
      cnp(
        'cron-to-neighbour',
        ns,
        `  endpointSelector:\n    matchLabels:\n      app: cron\n  egress:\n    - toEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: ${appNamespaceName((i + 1) % Math.max(1, shape.namespaces))}\n            app: api\n      toPorts:\n        - ports:\n            - port: "8080"\n              protocol: TCP\n`,
      ),
      // deny web egress to a metadata range
      cnp(
        'web-deny-metadata',
        ns,
        `  endpointSelector:\n    matchLabels:\n      app: web\n  egressDeny:\n    - toCIDRSet:\n        - cidr: 169.254.0.0/16\n          except: ["169.254.169.123/32"]\n  egress:\n    - toEntities: [cluster]\n`,
      ),
    ];
    for (let k = 0; k < perNs; k++) {
      const doc = kinds[k % kinds.length] as string;
      appDocs.push(k < kinds.length ? doc : doc.replace(/name: ([a-z-]+)\n/, `name: $1-${k}\n`));
    }
  }
  files['namespaces.yaml'] = nsDocs.join('---\n');
  // Split app policies into files of 500 documents, as a real tree would.
  for (let f = 0; f * 500 < appDocs.length; f++) {
    files[`apps/policies-${String(f).padStart(4, '0')}.yaml`] = appDocs
      .slice(f * 500, (f + 1) * 500)
      .join('---\n');
  }
  const resources = Object.keys(files).sort();
  files['kustomization.yaml'] =
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}`).join('\n')}\n`;
  return files;
}

/**
 * Writes generated files (`path → text`) into a new temporary directory.
 * @param files - From {@link generateRepo} or another generator.
 * @param prefix - Name prefix of the directory under the OS temporary directory.
 * @returns The directory; the caller removes it.
 */
export function writeRepoDir(files: Readonly<Record<string, string>>, prefix = 'netpol-bench-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}
