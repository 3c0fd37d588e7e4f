import {
  escapeHatchOfNamespace,
  grantsOfNamespace,
  type PolicyRef,
  profileOfNamespace,
} from '../../catalog/derive-catalog.js';
import type { Diagnostic } from '../../errors.js';
import type { PolicyObject } from '../../repo/model.js';
import type { LintFinding, LintReport } from './lint.js';
import type { LoadedRepo } from './load.js';

/** A namespace as the system view shows it. */
export interface NamespaceSummary {
  readonly name: string;
  /** Where its manifest starts (relative file, 1-based line). */
  readonly file: string;
  readonly line: number;
  readonly profile: string | null;
  readonly grants: readonly string[];
  readonly platform: boolean;
  /** True when the escape-hatch label disables enforcement in git. */
  readonly escapeHatch: boolean;
  /** Lint findings inside its manifest or inside a policy of the namespace. */
  readonly findings: readonly LintFinding[];
}

/** A policy (any kind) with the lint findings inside it. */
export interface PolicySummary {
  readonly kind: PolicyObject['kind'];
  /** Empty for clusterwide policies. */
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly findings: readonly LintFinding[];
}

/** The system at a glance: the catalogue, the namespaces by profile, and where the lint findings are. */
export interface SystemOverview {
  /** Label domain, e.g. `network-policy.homelab`, or null. */
  readonly domain: string | null;
  /** Every profile of the catalogue (sorted) with its policies and the namespaces carrying it. */
  readonly profiles: readonly {
    readonly name: string;
    readonly policies: readonly PolicyRef[];
    readonly namespaces: readonly NamespaceSummary[];
  }[];
  /** Application namespaces without a profile (or with a profile no policy selects). */
  readonly unprofiled: readonly NamespaceSummary[];
  /** Platform namespaces: their own policies, no profile. */
  readonly platform: readonly NamespaceSummary[];
  /** Access grants: label, resources (peer in trace syntax and ports) and policies. */
  readonly grants: readonly {
    readonly name: string;
    readonly label: string;
    readonly resources: readonly { readonly peer: string; readonly ports: readonly string[] }[];
    readonly policies: readonly PolicyRef[];
  }[];
  /** The escape-hatch label and value, and the namespaces where it is set in git. */
  readonly escapeHatch: {
    readonly label: string;
    readonly value: string;
    readonly policies: readonly PolicyRef[];
    readonly disabledIn: readonly string[];
  } | null;
  readonly baselines: readonly PolicyRef[];
  /** Policies holding at least one lint finding. */
  readonly policiesWithFindings: readonly PolicySummary[];
  /** Findings that belong to no namespace manifest and no policy (kustomizations, config). */
  readonly otherFindings: readonly LintFinding[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** Loader diagnostics (bad YAML, unknown kinds …), with file:line. */
  readonly diagnostics: readonly Diagnostic[];
}

interface Located {
  readonly file: string;
  readonly line: number;
}

/** Assigns each finding to the last object of its file starting at or before its line. */
function ownerOf<T extends Located>(byFile: Map<string, T[]>, f: LintFinding): T | undefined {
  const list = byFile.get(f.source.file);
  if (!list) return undefined;
  let owner: T | undefined;
  for (const o of list) if (o.line <= f.source.line) owner = o;
  return owner;
}

function peerText(peer: { kind: string; namespace?: string; entity?: string }): string {
  return peer.kind === 'pod' ? (peer.namespace ?? '') : peer.kind === 'world' ? 'world' : (peer.entity ?? '');
}

/**
 * The system view of a repository: the catalogue (profiles, access grants, escape hatch, baselines), the
 * namespaces grouped by profile with their grants, platform namespaces apart, and every lint finding placed
 * in the namespace manifest or policy that holds it (the last object of its file starting at or before the
 * finding's line, as lint suppressions do).
 * @param loaded - From `loadForAnalysis`.
 * @param lint - From `lintRepo(loaded)`.
 * @returns See {@link SystemOverview}; lists are sorted by name.
 */
export function systemOverview(loaded: LoadedRepo, lint: LintReport): SystemOverview {
  const { repo, catalog, diagnostics } = loaded;
  type Obj = Located & { key: string; findings: LintFinding[] };
  const byFile = new Map<string, Obj[]>();
  const objects = new Map<string, Obj>();
  const add = (key: string, file: string, line: number) => {
    const o: Obj = { key, file, line, findings: [] };
    objects.set(key, o);
    const list = byFile.get(file) ?? [];
    list.push(o);
    byFile.set(file, list);
  };
  for (const ns of repo.namespaces) add(`Namespace/${ns.name}`, ns.source.file, ns.source.line);
  for (const p of repo.policies) add(`${p.kind}/${p.namespace}/${p.name}`, p.source.file, p.source.line);
  for (const list of byFile.values()) list.sort((a, b) => a.line - b.line);
  const otherFindings: LintFinding[] = [];
  for (const f of lint.findings) {
    const owner = ownerOf(byFile, f);
    if (owner) owner.findings.push(f);
    else otherFindings.push(f);
  }
  // Each namespace's policies in the repository's order, looked up once (not a scan of every policy per namespace).
  const policyKeys = new Map<string, string[]>();
  for (const p of repo.policies) {
    const keys = policyKeys.get(p.namespace) ?? [];
    keys.push(`${p.kind}/${p.namespace}/${p.name}`);
    policyKeys.set(p.namespace, keys);
  }
  const policyFindings = (namespace: string) =>
    (policyKeys.get(namespace) ?? []).flatMap((key) => objects.get(key)?.findings ?? []);

  const platformSet = new Set(catalog.platformNamespaces);
  const summaries: NamespaceSummary[] = repo.namespaces
    .map((ns) => ({
      name: ns.name,
      file: ns.source.file,
      line: ns.source.line,
      profile: profileOfNamespace(catalog, ns) ?? null,
      grants: grantsOfNamespace(catalog, ns),
      platform: platformSet.has(ns.name),
      escapeHatch: escapeHatchOfNamespace(catalog, ns),
      findings: [...(objects.get(`Namespace/${ns.name}`)?.findings ?? []), ...policyFindings(ns.name)],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  const profiles = [...catalog.profiles.values()].sort(byName).map((p) => ({
    name: p.name,
    policies: p.policies,
    namespaces: summaries.filter((s) => !s.platform && s.profile === p.name),
  }));
  const hatch = catalog.escapeHatch;
  return {
    domain: catalog.domain,
    profiles,
    unprofiled: summaries.filter(
      (s) => !s.platform && (s.profile === null || !catalog.profiles.has(s.profile)),
    ),
    platform: summaries.filter((s) => s.platform),
    grants: [...catalog.accessGrants.values()].sort(byName).map((g) => ({
      name: g.name,
      label: g.label,
      resources: g.resources.map((r) => ({
        peer: peerText(r.peer),
        ports: r.ports.map((p) => `${p.port}/${p.protocol}`),
      })),
      policies: g.policies,
    })),
    escapeHatch: hatch
      ? {
          label: hatch.label,
          value: hatch.value,
          policies: hatch.policies,
          disabledIn: summaries.filter((s) => s.escapeHatch).map((s) => s.name),
        }
      : null,
    baselines: catalog.baselines,
    policiesWithFindings: repo.policies.flatMap((p): PolicySummary[] => {
      const o = objects.get(`${p.kind}/${p.namespace}/${p.name}`);
      if (!o || o.findings.length === 0) return [];
      return [
        {
          kind: p.kind,
          namespace: p.namespace,
          name: p.name,
          file: o.file,
          line: o.line,
          findings: o.findings,
        },
      ];
    }),
    otherFindings,
    errorCount: lint.errorCount,
    warningCount: lint.warningCount,
    diagnostics,
  };
}
