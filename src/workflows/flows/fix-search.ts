import { Document, isNode, isSeq } from 'yaml';
import type { Catalog, CatalogPeer, PolicyRef } from '../../catalog/derive-catalog.js';
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL } from '../../engine/identity.js';
import { selectorMatches } from '../../engine/selector.js';
import type { Flow, Peer, RuleRef, Verdict } from '../../engine/types.js';
import { createEngine, type PolicyEngine } from '../../engine/verdict.js';
import { invariant } from '../../errors.js';
import { loadRepoFromText } from '../../repo/load-repo.js';
import type {
  CiliumPolicyObject,
  CiliumRule,
  LabelSelector,
  Labels,
  PolicyObject,
  Repo,
} from '../../repo/model.js';
import { type MatrixColumn, matrixColumns } from '../analysis/matrix.js';

/** A side of a flow: the source's egress or the destination's ingress. */
export type FlowSide = 'egress' | 'ingress';

/** Where the engine (or, for drift, Hubble) says a flow is denied. */
export type DeniedAt = FlowSide | 'both';

/** Add an access grant label to a namespace manifest. */
export interface AddLabelFix {
  readonly kind: 'add-label';
  readonly namespace: string;
  /** Full label key, e.g. `access.network-policy.homelab/postgres`. */
  readonly label: string;
  readonly value: string;
  /** Titles of the matrix cells (src/workflows/matrix.ts columns) this change newly allows for the namespace. */
  readonly newlyAllowed: readonly string[];
}

/** Switch a namespace's profile label. */
export interface SetProfileFix {
  readonly kind: 'set-profile';
  readonly namespace: string;
  /** The current profile, or null when the namespace has none. */
  readonly from: string | null;
  readonly to: string;
  /** Matrix cells the new profile newly allows. */
  readonly newlyAllowed: readonly string[];
  /** Matrix cells the namespace loses with the new profile. */
  readonly noLongerAllowed: readonly string[];
}

/** Add one rule to a platform namespace's own CiliumNetworkPolicy (printed, never applied). */
export interface PolicyChangeFix {
  readonly kind: 'policy-change';
  readonly namespace: string;
  /** Name of the CiliumNetworkPolicy the rule belongs in. */
  readonly policy: string;
  /** `ingress` or `egress`: the list the rule goes into. */
  readonly direction: FlowSide;
  /** YAML path of that list in the policy, e.g. `spec.egress`. */
  readonly at: string;
  /** The rule to add, as YAML text (one list element, seed template style). */
  readonly rule: string;
  /** File of the policy (relative to the repository root), or null when the policy is new. */
  readonly file: string | null;
  /** True when no CiliumNetworkPolicy of the namespace selects the pod yet: the policy must be created. */
  readonly newPolicy: boolean;
  /** A second rule needed on the other side (when both sides are platform namespaces); verified together. */
  readonly also?: PolicyChangeFix;
}

/** A baseline that should have allowed the flow: present in git but apparently not in the cluster, or absent. */
export interface MissingBaselineFix {
  readonly kind: 'missing-baseline';
  /** Name of the baseline policy, or null when the repository has none for this purpose. */
  readonly baseline: string | null;
  /** What the baseline is for, e.g. `DNS egress for every pod`. */
  readonly purpose: string;
  /** Whether the repository defines the baseline (then the cluster does not run what git says). */
  readonly inRepository: boolean;
  readonly file: string | null;
  readonly line: number | null;
}

/** The git change that makes a dropped flow allowed. */
export type DropFix = AddLabelFix | SetProfileFix | PolicyChangeFix | MissingBaselineFix;

/**
 * The kind of a drop's cause in one word (a bounded set, for metric labels and alerts):
 * `missing-access-grant` (an access grant label allows it), `profile` (another profile allows it),
 * `platform-policy` (a platform namespace's own policy lacks a rule), `missing-baseline` (a baseline is missing, or
 * present in git but not in the cluster), `deny-rule` (a deny rule decides), `drift` (git allows it, the cluster
 * does not), `no-rule` (denied, and no change netpol can propose allows it).
 */
export type DropCauseCode =
  | 'missing-access-grant'
  | 'profile'
  | 'platform-policy'
  | 'missing-baseline'
  | 'deny-rule'
  | 'drift'
  | 'no-rule';

/** The diagnosis of one dropped flow. */
export interface Diagnosis {
  /** The denying side(s): from the engine, or for drift from where Hubble saw the drop; null when unknown. */
  readonly deniedAt: DeniedAt | null;
  /** True when the repository allows the flow, so the cluster does not run what git says. */
  readonly drift: boolean;
  /** Why the flow is dropped, in plain words. */
  readonly cause: string;
  /** The kind of cause in one word (see {@link DropCauseCode}). */
  readonly causeCode: DropCauseCode;
  /** The change that allows it, or null. */
  readonly fix: DropFix | null;
  /** When `fix` is null: why nothing is proposed. */
  readonly fixReason: string | null;
  /** The engine's caveats for the flow (unknown namespace, unmodelled features). */
  readonly caveats: readonly string[];
}

/** What Hubble said about a drop, beyond the flow itself. */
export interface ObservedDrop {
  /** Where Hubble saw it dropped (`traffic_direction`). Default: unknown. */
  readonly direction?: FlowSide;
  /** Policies Hubble names in `egress_denied_by`/`ingress_denied_by`, as `kind/namespace/name`. Default: none. */
  readonly deniedBy?: readonly string[];
  /** Namespace labels of each side as the cluster had them (from `io.cilium.k8s.namespace.labels.*`). */
  readonly liveNamespaceLabels?: { readonly source?: Labels; readonly destination?: Labels };
}

/** Display names of the two peers, e.g. `web/web` and `cache/dragonfly`. */
export interface PeerNames {
  readonly source: string;
  readonly destination: string;
}

/** A label set for a namespace chosen to allow a set of flows (see {@link FixSearch.planLabels}). */
export interface LabelPlan {
  readonly namespace: string;
  readonly profile: string | null;
  readonly grants: readonly string[];
  /** The namespace's complete labels with the plan applied. */
  readonly labels: Labels;
  /** Indexes (into the flows given) of the flows the plan still does not allow. */
  readonly unallowed: readonly number[];
  /** Matrix cells allowed with the plan. */
  readonly allowedCells: readonly string[];
}

/** How {@link FixSearch.planLabels} treats the namespace's current domain labels. */
export type PlanMode =
  /** Keep the current access grants and start from the current profile (a repair: `drops --fix`). */
  | 'keep'
  /** Start from nothing: the least privileged profile and grants for the flows (`discover`). */
  | 'fresh';

/** Views and matrix rows kept (each view has its own identity cache): a drop storm stays in bounded memory. */
const MAX_VIEWS = 4096;

const WORKLOAD_KEYS = [
  'app.kubernetes.io/name',
  'app',
  'k8s-app',
  'gateway.networking.k8s.io/gateway-name',
  'name',
];

/**
 * Finds the git change that makes a dropped flow allowed by asking the engine, never a lookup table.
 *
 * For each pod namespace of the flow it tries every single namespace-label change the catalogue offers (each access
 * grant the namespace lacks; for application namespaces, each other profile), evaluates the flow in a what-if view
 * of the engine (`withNamespaceLabels`, which shares the compiled rules) and keeps the changes that make both sides
 * allow it. A grant is preferred over a profile switch; among each kind, the change that newly allows the fewest
 * cells of the namespace's connectivity matrix wins ("least extra privilege"). When no label change works and the
 * denying side is a platform namespace, it writes the minimal rule for that namespace's own CiliumNetworkPolicy,
 * loads it through the repository loader and checks with the engine that it allows the flow before proposing it.
 * When the repository already allows the flow, the cause is drift (the cluster does not run what git says).
 *
 * Views and matrix rows are cached per (namespace, labels), so diagnosing many groups costs little.
 */
export class FixSearch {
  private readonly views = new Map<string, PolicyEngine>();
  private readonly cellCache = new Map<string, ReadonlySet<string>>();
  private readonly columns: readonly MatrixColumn[];
  private readonly platform: ReadonlySet<string>;
  private readonly escapeHatchLabel: string | null;

  /**
   * @param loaded - the repository, its engine and catalogue (see `loadForAnalysis`).
   */
  constructor(
    private readonly loaded: {
      readonly repo: Repo;
      readonly engine: PolicyEngine;
      readonly catalog: Catalog;
    },
  ) {
    this.columns = matrixColumns(loaded.catalog, loaded.repo.namespaces);
    this.platform = new Set(loaded.catalog.platformNamespaces);
    this.escapeHatchLabel = loaded.catalog.escapeHatch?.label ?? null;
  }

  /** Whether the namespace is a platform namespace (catalogue), which never takes a profile. */
  isPlatform(namespace: string): boolean {
    return this.platform.has(namespace);
  }

  /** The namespace's labels in the repository (only `kubernetes.io/metadata.name` for an unknown one). */
  labelsOf(namespace: string): Labels {
    return this.loaded.engine.labelsOfNamespace(namespace);
  }

  /** The profile a label set carries, or null. */
  profileOf(labels: Labels): string | null {
    const key = this.loaded.catalog.profileLabel;
    return key ? (labels[key] ?? null) : null;
  }

  /** The access grants a label set carries (catalogue grants whose label is `"true"`), sorted. */
  grantsOf(labels: Labels): string[] {
    return [...this.loaded.catalog.accessGrants.values()]
      .filter((g) => labels[g.label] === 'true')
      .map((g) => g.name)
      .sort();
  }

  /** The engine as it would be if `namespace` carried `labels` (cached). */
  view(namespace: string, labels: Labels): PolicyEngine {
    if (sameLabels(labels, this.labelsOf(namespace))) return this.loaded.engine;
    const key = `${namespace}\u0000${labelKey(labels)}`;
    let view = this.views.get(key);
    if (!view) {
      view = this.loaded.engine.withNamespaceLabels({ [namespace]: labels });
      if (this.views.size >= MAX_VIEWS) this.views.clear();
      this.views.set(key, view);
    }
    return view;
  }

  /** Whether the flow is allowed when `namespace` carries `labels`. */
  allows(namespace: string, labels: Labels, flow: Flow): boolean {
    return this.view(namespace, labels).verdict(flow).verdict === 'allowed';
  }

  /**
   * The matrix cells (column titles) a pod of `namespace` with no pod labels may use when the namespace carries
   * `labels`: the same columns as `netpol matrix`.
   */
  cells(namespace: string, labels: Labels): ReadonlySet<string> {
    const key = `${namespace}\u0000${labelKey(labels)}`;
    const cached = this.cellCache.get(key);
    if (cached) return cached;
    const engine = this.view(namespace, labels);
    const self: Peer = { kind: 'pod', namespace, labels: {} };
    const allowed = new Set<string>();
    for (const c of this.columns) {
      let peer = c.peer;
      if (c.id === 'app-namespace') {
        const other = this.loaded.catalog.applicationNamespaces.find((a) => a !== namespace);
        if (!other) continue;
        peer = { kind: 'pod', namespace: other, labels: {} };
      }
      const flow: Flow =
        c.direction === 'egress'
          ? { source: self, destination: peer, port: c.port, protocol: c.protocol }
          : { source: peer, destination: self, port: c.port, protocol: c.protocol };
      if (engine.verdict(flow).verdict === 'allowed') allowed.add(c.title);
    }
    if (this.cellCache.size >= MAX_VIEWS) this.cellCache.clear();
    this.cellCache.set(key, allowed);
    return allowed;
  }

  /**
   * Every single namespace-label change that makes the flow allowed, best first: access grants (fewest newly
   * allowed matrix cells first), then profile switches (fewest newly allowed cells, then fewest lost, then name).
   * Only pod namespaces of the flow are changed; platform namespaces only get access grants, never a profile.
   * @param flow - the flow (engine shape).
   */
  labelChangesAllowing(flow: Flow): (AddLabelFix | SetProfileFix)[] {
    const { catalog } = this.loaded;
    const grants: AddLabelFix[] = [];
    const profiles: SetProfileFix[] = [];
    for (const namespace of podNamespaces(flow)) {
      const current = this.labelsOf(namespace);
      const before = this.cells(namespace, current);
      for (const grant of catalog.accessGrants.values()) {
        if (current[grant.label] === 'true') continue;
        const labels = { ...current, [grant.label]: 'true' };
        if (!this.allows(namespace, labels, flow)) continue;
        grants.push({
          kind: 'add-label',
          namespace,
          label: grant.label,
          value: 'true',
          newlyAllowed: difference(this.cells(namespace, labels), before),
        });
      }
      const profileLabel = catalog.profileLabel;
      if (this.isPlatform(namespace) || !profileLabel) continue;
      const from = current[profileLabel] ?? null;
      for (const profile of catalog.profiles.keys()) {
        if (profile === from) continue;
        const labels = { ...current, [profileLabel]: profile };
        if (!this.allows(namespace, labels, flow)) continue;
        const after = this.cells(namespace, labels);
        profiles.push({
          kind: 'set-profile',
          namespace,
          from,
          to: profile,
          newlyAllowed: difference(after, before),
          noLongerAllowed: difference(before, after),
        });
      }
    }
    grants.sort((a, b) => a.newlyAllowed.length - b.newlyAllowed.length || a.label.localeCompare(b.label));
    profiles.sort(
      (a, b) =>
        a.newlyAllowed.length - b.newlyAllowed.length ||
        a.noLongerAllowed.length - b.noLongerAllowed.length ||
        a.to.localeCompare(b.to),
    );
    return [...grants, ...profiles];
  }

  /**
   * Diagnoses one dropped flow: the denying side, the cause in plain words and the fix (see the class summary).
   * @param flow - the flow in its connection's direction (engine shape).
   * @param observed - what Hubble said: where it dropped the flow, the policies it names, live namespace labels.
   * @param names - display names of the peers. Default: derived from the flow.
   */
  diagnose(flow: Flow, observed: ObservedDrop = {}, names: PeerNames = defaultNames(flow)): Diagnosis {
    const verdict = this.loaded.engine.verdict(flow);
    const diagnosis = this.diagnoseVerdict(flow, verdict, observed, names);
    return { ...diagnosis, causeCode: causeCodeOf(diagnosis, verdict) };
  }

  private diagnoseVerdict(
    flow: Flow,
    verdict: Verdict,
    observed: ObservedDrop,
    names: PeerNames,
  ): Omit<Diagnosis, 'causeCode'> {
    const caveats = verdict.caveats;
    if (verdict.verdict === 'allowed') return this.drift(flow, verdict, observed, caveats);

    const deniedAt = deniedSides(verdict);
    const where = this.whereDenied(verdict, names);
    const changes = this.labelChangesAllowing(flow);
    const best = changes[0];
    if (best) {
      return {
        deniedAt,
        drift: false,
        cause: this.labelCause(best, flow, names),
        fix: best,
        fixReason: null,
        caveats,
      };
    }

    const dns = this.missingDnsBaseline(flow, verdict);
    if (dns) {
      return {
        deniedAt,
        drift: false,
        cause: dns.cause,
        fix: dns.fix,
        fixReason: null,
        caveats,
      };
    }

    const denyRules = [...verdict.egress.deniedBy, ...verdict.ingress.deniedBy];
    if (denyRules.length > 0) {
      const parts = (['egress', 'ingress'] as const)
        .filter((side) => verdict[side].deniedBy.length > 0)
        .map((side) => {
          const refs = verdict[side].deniedBy.map((r) => `${policyName(r)} ${r.rule} (${r.file}:${r.line})`);
          const who = side === 'egress' ? names.source : names.destination;
          return `denied at ${side} of ${who} by deny rule ${refs.join(', ')}`;
        });
      return {
        deniedAt,
        drift: false,
        cause: parts.join('; '),
        fix: null,
        fixReason:
          'a deny rule wins over every allow, so no label change or added rule can allow it: narrow or remove the deny rule',
        caveats,
      };
    }

    const change = this.proposePolicyChange(flow, verdict, names);
    if (change) {
      return {
        deniedAt,
        drift: false,
        cause: change.cause,
        fix: change.fix,
        fixReason: null,
        caveats,
      };
    }

    return {
      deniedAt,
      drift: false,
      cause: where,
      fix: null,
      fixReason: this.noFixReason(flow, verdict, names),
      caveats,
    };
  }

  /**
   * The minimal rule for a platform namespace's own CiliumNetworkPolicy that allows the flow on each denying side
   * (both sides must be pods of platform namespaces), verified with the engine; null when it cannot be proposed.
   * @param flow - the flow.
   * @param verdict - the engine's verdict for it. Default: computed.
   * @param names - display names of the peers.
   */
  proposePolicyChange(
    flow: Flow,
    verdict: Verdict = this.loaded.engine.verdict(flow),
    names: PeerNames = defaultNames(flow),
  ): { readonly fix: PolicyChangeFix; readonly cause: string } | null {
    const sides = (['egress', 'ingress'] as const).filter((s) => verdict[s].verdict === 'denied');
    if (sides.length === 0) return null;
    const alternatives: PlatformRule[][] = [];
    for (const side of sides) {
      const endpoint = side === 'egress' ? flow.source : flow.destination;
      if (endpoint.kind !== 'pod' || !this.isPlatform(endpoint.namespace)) return null;
      alternatives.push(this.platformRules(flow, side));
    }
    // Load every alternative through the repository loader at once, then try the alternatives of each side in
    // order of preference (at most 3 × 3 combinations).
    const policies = this.loadProposals(alternatives.flat());
    let proposals: PlatformRule[] | undefined;
    for (const first of alternatives[0] ?? []) {
      for (const second of alternatives.length > 1 ? (alternatives[1] ?? []) : [undefined]) {
        const candidate = second ? [first, second] : [first];
        if (this.allowsWith(flow, candidate, policies)) {
          proposals = candidate;
          break;
        }
      }
      if (proposals) break;
    }
    if (!proposals) return null;
    const fixes = proposals.map((p): PolicyChangeFix => ({ ...p.fix, rule: renderRules(p.rules) }));
    const [first, second] = fixes as [PolicyChangeFix, PolicyChangeFix | undefined];
    const fix: PolicyChangeFix = second ? { ...first, also: second } : first;
    const cause = proposals
      .map((p) => {
        const endpoint = p.fix.direction === 'egress' ? names.source : names.destination;
        const other = p.fix.direction === 'egress' ? `to ${names.destination}` : `from ${names.source}`;
        const what = p.grant
          ? `no policy of platform namespace ${p.fix.namespace} admits namespaces with access grant "${p.grant}" (the server side of the grant)`
          : `no policy of platform namespace ${p.fix.namespace} allows ${p.fix.direction} of ${endpoint} ${other} on ${flowPortText(flow)}`;
        return what;
      })
      .join('; ');
    return { fix, cause };
  }

  /**
   * Chooses a profile and access grants for `namespace` that allow as many of `flows` as possible: for each
   * candidate profile, grants are added one by one for the flows the profile does not allow (a grant that is
   * already chosen first, else the one newly allowing the fewest matrix cells); the plan leaving the fewest flows
   * unallowed wins, then the one allowing the fewest matrix cells. Platform namespaces keep having no profile.
   * @param namespace - the namespace to plan.
   * @param flows - flows from or to pods of the namespace.
   * @param mode - `keep` current grants and prefer the current profile, or start `fresh`.
   */
  planLabels(namespace: string, flows: readonly Flow[], mode: PlanMode): LabelPlan {
    const { catalog } = this.loaded;
    const current = this.labelsOf(namespace);
    const base: Record<string, string> = {};
    for (const [key, value] of Object.entries(current)) {
      if (key === this.escapeHatchLabel) continue;
      if (mode === 'fresh' && this.isDomainLabel(key)) continue;
      base[key] = value;
    }
    const profileLabel = catalog.profileLabel;
    const currentProfile = this.profileOf(current);
    let profiles: (string | null)[];
    if (this.isPlatform(namespace) || !profileLabel || catalog.profiles.size === 0) {
      profiles = [mode === 'keep' ? currentProfile : null];
    } else {
      profiles = [...catalog.profiles.keys()].sort();
      if (mode === 'keep' && currentProfile !== null) {
        profiles = [currentProfile, ...profiles.filter((p) => p !== currentProfile)];
      }
    }
    let best: { plan: LabelPlan; score: number[] } | undefined;
    profiles.forEach((profile, order) => {
      const labels: Record<string, string> = { ...base };
      if (profileLabel) {
        if (profile === null) delete labels[profileLabel];
        else labels[profileLabel] = profile;
      }
      const chosen = new Set(this.grantsOf(labels));
      for (const flow of flows) {
        if (this.allows(namespace, labels, flow)) continue;
        const options = [...catalog.accessGrants.values()]
          .filter((g) => !chosen.has(g.name))
          .filter((g) => this.allows(namespace, { ...labels, [g.label]: 'true' }, flow))
          .map((g) => ({
            grant: g,
            cells: this.cells(namespace, { ...labels, [g.label]: 'true' }).size,
          }))
          .sort((a, b) => a.cells - b.cells || a.grant.name.localeCompare(b.grant.name));
        const pick = options[0];
        if (pick) {
          chosen.add(pick.grant.name);
          labels[pick.grant.label] = 'true';
        }
      }
      const unallowed = flows.flatMap((f, i) => (this.allows(namespace, labels, f) ? [] : [i]));
      const cells = this.cells(namespace, labels);
      const plan: LabelPlan = {
        namespace,
        profile,
        grants: [...chosen].sort(),
        labels,
        unallowed,
        allowedCells: [...cells],
      };
      const extra = mode === 'keep' ? difference(cells, this.cells(namespace, current)).length : cells.size;
      const score = [unallowed.length, extra, chosen.size, mode === 'keep' ? order : 0];
      if (!best || compareScores(score, best.score) < 0) best = { plan, score };
    });
    invariant(best, 'planLabels tried no profile');
    return best.plan;
  }

  /** Whether a label key belongs to the catalogue's domain (profile, access grants, escape hatch). */
  isDomainLabel(key: string): boolean {
    const { catalog } = this.loaded;
    return (
      key === catalog.profileLabel ||
      key === this.escapeHatchLabel ||
      (catalog.accessPrefix !== null && key.startsWith(catalog.accessPrefix))
    );
  }

  private drift(
    flow: Flow,
    verdict: Verdict,
    observed: ObservedDrop,
    caveats: readonly string[],
  ): Omit<Diagnosis, 'causeCode'> {
    const sides: FlowSide[] = observed.direction ? [observed.direction] : ['egress', 'ingress'];
    const allowing = sides.flatMap((s) => verdict[s].allowedBy);
    const unenforced = sides.filter((s) => !verdict[s].enforced);
    const live = this.liveLabelDrift(flow, observed);
    // Allowed with no rule: the side is not enforced, or a setting allows it (allow-localhost for the node's own
    // host, whose reason the verdict gives).
    const bySetting = sides.flatMap((s) =>
      verdict[s].enforced && verdict[s].allowedBy.length === 0
        ? verdict[s].reasons.filter((r) => r.startsWith('allow-'))
        : [],
    );
    const gitAllows =
      allowing.length > 0
        ? `git allows it (${unique(allowing.map((r) => shortPolicyName(r))).join(', ')})`
        : bySetting.length > 0
          ? `git allows it (${unique(bySetting).join('; ')})`
          : `git enforces no policy on the ${unenforced.join(' and ')} side`;
    let cause = `${gitAllows}, but the cluster dropped it${observed.direction ? ` at ${observed.direction}` : ''}: the cluster does not run what git says`;
    if (live.length > 0) cause += ` (${live.join('; ')})`;
    const deniedAt = observed.direction ?? null;
    const repoPolicies = new Set(this.loaded.repo.policies.map((p) => `${p.kind}/${p.namespace}/${p.name}`));
    const foreign = (observed.deniedBy ?? []).filter((p) => !repoPolicies.has(p));
    if (foreign.length > 0) {
      return {
        deniedAt,
        drift: true,
        cause: `${cause}; the cluster denies it with ${foreign.map(foreignName).join(', ')}, which git does not have`,
        fix: null,
        fixReason: `remove ${foreign.map(foreignName).join(', ')} from the cluster, or commit it to git if it is wanted`,
        caveats,
      };
    }
    if (live.length > 0) {
      return {
        deniedAt,
        drift: true,
        cause,
        fix: null,
        fixReason: 'apply the namespace labels from git (reconcile the namespace manifest)',
        caveats,
      };
    }
    const key = (r: { kind: string; namespace: string; name: string }) =>
      `${r.kind}/${r.namespace}/${r.name}`;
    const grantPolicies = new Map<string, { grant: string; label: string }>();
    for (const g of this.loaded.catalog.accessGrants.values()) {
      for (const p of g.policies) grantPolicies.set(key(p), { grant: g.name, label: g.label });
    }
    const grantRef = allowing.find((r) => grantPolicies.has(key(r)));
    const grant = grantRef ? grantPolicies.get(key(grantRef)) : undefined;
    if (grantRef && grant) {
      const holder = [flow.source, flow.destination].find(
        (p): p is Extract<Peer, { kind: 'pod' }> =>
          p.kind === 'pod' && this.labelsOf(p.namespace)[grant.label] === 'true',
      );
      return {
        deniedAt,
        drift: true,
        cause,
        fix: null,
        fixReason: `check that ${holder ? `namespace ${holder.namespace} carries ${grant.label}: "true" in the cluster (git sets it) and that ` : ''}${policyName(grantRef)} (access grant "${grant.grant}") is applied`,
        caveats,
      };
    }
    const baselineKeys = new Set(this.loaded.catalog.baselines.map((b) => key(b)));
    const baseline = allowing.find((r) => baselineKeys.has(key(r)));
    if (baseline) {
      const purpose = this.baselinePurpose(baseline);
      return {
        deniedAt,
        drift: true,
        cause,
        fix: {
          kind: 'missing-baseline',
          baseline: baseline.name,
          purpose,
          inRepository: true,
          file: baseline.file,
          line: this.policyLine(baseline) ?? baseline.line,
        },
        fixReason: null,
        caveats,
      };
    }
    return {
      deniedAt,
      drift: true,
      cause,
      fix: null,
      fixReason:
        allowing.length > 0
          ? `check that ${unique(allowing.map((r) => policyName(r))).join(', ')} ${allowing.length === 1 ? 'is' : 'are'} applied in the cluster (e.g. the GitOps sync succeeded) and that the namespace labels match git`
          : 'check which policy the cluster applies to this endpoint (kubectl get cnp,ccnp -A) and commit or remove it',
      caveats,
    };
  }

  /**
   * The namespace-label differences between the cluster (from the flow's identity) and git that explain why the
   * cluster dropped a flow git allows: a difference is named only when the engine, with that namespace carrying
   * the cluster's value for that label, denies the flow (when no single difference does but all of them
   * together do, all are named). A label that differs but does not decide the flow (an access grant added to
   * git for another flow) is never blamed.
   */
  private liveLabelDrift(flow: Flow, observed: ObservedDrop): string[] {
    const out: string[] = [];
    const check = (peer: Peer, live: Labels | undefined) => {
      if (peer.kind !== 'pod' || !live || !this.loaded.engine.hasNamespace(peer.namespace)) return;
      const git = this.labelsOf(peer.namespace);
      const keys = unique(
        [...Object.keys(git), ...Object.keys(live)].filter((k) => this.isDomainLabel(k)),
      ).sort();
      const differing = keys.filter((key) => git[key] !== live[key]);
      const withLive = (changed: readonly string[]): Labels => {
        const labels: Record<string, string> = { ...git };
        for (const key of changed) {
          const value = live[key];
          if (value === undefined) delete labels[key];
          else labels[key] = value;
        }
        return labels;
      };
      const deciding = differing.filter((key) => !this.allows(peer.namespace, withLive([key]), flow));
      const named =
        deciding.length > 0
          ? deciding
          : differing.length > 1 && !this.allows(peer.namespace, withLive(differing), flow)
            ? differing
            : [];
      for (const key of named) {
        const liveText = live[key] === undefined ? 'lacks it' : `has "${live[key]}"`;
        const gitText = git[key] === undefined ? 'git does not set it' : `git has "${git[key]}"`;
        out.push(`namespace ${peer.namespace} label ${key}: the cluster ${liveText}, ${gitText}`);
      }
    };
    check(flow.source, observed.liveNamespaceLabels?.source);
    if (
      !(
        flow.destination.kind === 'pod' &&
        flow.source.kind === 'pod' &&
        flow.destination.namespace === flow.source.namespace
      )
    ) {
      check(flow.destination, observed.liveNamespaceLabels?.destination);
    }
    return out;
  }

  private baselinePurpose(ref: RuleRef | PolicyRef): string {
    const { catalog } = this.loaded;
    const same = (p: { name: string; kind: string } | undefined) =>
      p?.name === ref.name && p.kind === ref.kind;
    if (same(catalog.dns?.definedBy)) return 'DNS egress for every pod';
    const scraper = catalog.scrapers.find((s) => same(s.definedBy));
    if (scraper) return `scrapes from ${peerDisplayName(scraper.peer)} on ${portsText(scraper)}`;
    const grant = [...catalog.accessGrants.values()].find((g) => g.policies.some((p) => same(p)));
    if (grant) return `access grant "${grant.name}"`;
    return 'a rule for every pod';
  }

  private policyLine(ref: RuleRef): number | undefined {
    const policy = this.loaded.repo.policies.find(
      (p) => p.kind === ref.kind && p.namespace === ref.namespace && p.name === ref.name,
    );
    return policy?.source.line;
  }

  private labelCause(fix: AddLabelFix | SetProfileFix, flow: Flow, names: PeerNames): string {
    const isSource = flow.source.kind === 'pod' && flow.source.namespace === fix.namespace;
    const direction = isSource
      ? `egress to ${names.destination} on ${flowPortText(flow)}`
      : `ingress from ${names.source} on ${flowPortText(flow)}`;
    if (fix.kind === 'add-label') {
      const grant = fix.label.slice(this.loaded.catalog.accessPrefix?.length ?? 0);
      return `namespace ${fix.namespace} lacks access grant "${grant}", which allows ${direction}`;
    }
    const profile =
      fix.from === null
        ? 'has no profile, so nothing allows'
        : `has profile "${fix.from}", which does not allow`;
    return `namespace ${fix.namespace} ${profile} ${direction}; profile "${fix.to}" does`;
  }

  private whereDenied(verdict: Verdict, names: PeerNames): string {
    const parts: string[] = [];
    if (verdict.egress.verdict === 'denied') parts.push(`egress of ${names.source}`);
    if (verdict.ingress.verdict === 'denied') parts.push(`ingress of ${names.destination}`);
    const sides = parts.join(' and ');
    const deny = [...verdict.egress.deniedBy, ...verdict.ingress.deniedBy].length > 0;
    return `denied at ${sides}${deny ? ' by a deny rule' : ': no rule allows it'}`;
  }

  private missingDnsBaseline(
    flow: Flow,
    verdict: Verdict,
  ): { cause: string; fix: MissingBaselineFix } | null {
    if (verdict.egress.verdict !== 'denied' || flow.port !== 53) return null;
    if (flow.protocol !== 'UDP' && flow.protocol !== 'TCP') return null;
    if (flow.destination.kind !== 'pod' || flow.source.kind !== 'pod') return null;
    const dns = this.loaded.catalog.dns;
    if (dns === null) {
      return {
        cause: 'the repository has no DNS baseline: no clusterwide policy lets every pod reach DNS',
        fix: {
          kind: 'missing-baseline',
          baseline: null,
          purpose: 'DNS egress for every pod',
          inRepository: false,
          file: null,
          line: null,
        },
      };
    }
    if (!peerMatches(dns.peer, flow.destination)) return null;
    const covered = dns.ports.some((p) => p.port === 53 && p.protocol === flow.protocol);
    return {
      cause: covered
        ? `DNS baseline ${dns.definedBy.name} should allow it but does not select ${flow.source.namespace}`
        : `DNS baseline ${dns.definedBy.name} does not allow 53/${flow.protocol}`,
      fix: {
        kind: 'missing-baseline',
        baseline: dns.definedBy.name,
        purpose: 'DNS egress for every pod',
        inRepository: true,
        file: dns.definedBy.file,
        line: dns.definedBy.line,
      },
    };
  }

  private noFixReason(flow: Flow, verdict: Verdict, names: PeerNames): string {
    const reasons: string[] = [];
    for (const side of ['egress', 'ingress'] as const) {
      if (verdict[side].verdict !== 'denied') continue;
      const endpoint = side === 'egress' ? flow.source : flow.destination;
      const other = side === 'egress' ? `to ${names.destination}` : `from ${names.source}`;
      if (endpoint.kind !== 'pod') continue;
      const scraper =
        side === 'ingress' && flow.source.kind === 'pod'
          ? this.loaded.catalog.scrapers.find((s) => peerMatches(s.peer, flow.source))
          : undefined;
      if (scraper && !this.isPlatform(endpoint.namespace)) {
        reasons.push(
          `scrapes from ${peerDisplayName(scraper.peer)} reach application pods only on the ports ${scraper.definedBy.name} admits (${portsText(scraper)}): serve metrics on one of them`,
        );
      } else if (this.isPlatform(endpoint.namespace)) {
        reasons.push(
          `platform namespace ${endpoint.namespace} does not allow ${side} ${other} on ${flowPortText(flow)}, and a rule there alone would not be enough`,
        );
      } else {
        reasons.push(
          `no profile or access grant of the catalogue allows ${side} of ${endpoint.namespace} ${other} on ${flowPortText(flow)}`,
        );
      }
    }
    if (reasons.length === 0) return 'no namespace-label change can allow it';
    return unique(reasons).join('; ');
  }

  /**
   * The rules that would allow the flow on `side` in its platform namespace's own CNP, preferred first: for a world
   * peer with DNS names, `toFQDNs` (alone, then with the DNS L7 rule Cilium's DNS proxy needs to learn the
   * addresses), then `toEntities: [world]`; otherwise the one peer rule.
   */
  private platformRules(flow: Flow, side: FlowSide): PlatformRule[] {
    const { engine, repo, catalog } = this.loaded;
    const endpoint = side === 'egress' ? flow.source : flow.destination;
    const peer = side === 'egress' ? flow.destination : flow.source;
    invariant(endpoint.kind === 'pod', 'platform rule for a non-pod endpoint');
    const namespace = endpoint.namespace;
    const identity = engine.identityOf(endpoint);
    const cnps = repo.policies.filter(
      (p): p is CiliumPolicyObject => p.kind === 'CiliumNetworkPolicy' && p.namespace === namespace,
    );
    const selecting: { policy: CiliumPolicyObject; rule: CiliumRule; specific: boolean; label: string }[] =
      [];
    for (const compiled of engine.rules) {
      if (compiled.origin.kind !== 'CiliumNetworkPolicy' || compiled.namespace !== namespace || compiled.host)
        continue;
      if (!selectorMatches(compiled.subject, identity)) continue;
      const policy = cnps.find(
        (p) => p.name === compiled.origin.name && p.source.file === compiled.origin.file,
      );
      if (!policy) continue;
      const index = policy.rules.findIndex(
        (r) => r.source.line === compiled.line && r.source.column === compiled.column,
      );
      const rule = policy.rules[Math.max(index, 0)];
      if (!rule?.endpointSelector) continue;
      const specific =
        Object.keys(rule.endpointSelector.matchLabels).length > 0 ||
        rule.endpointSelector.matchExpressions.length > 0;
      selecting.push({ policy, rule, specific, label: compiled.label });
    }
    const chosen =
      selecting.find((s) => s.specific && (side === 'egress' ? s.rule.egress : s.rule.ingress) !== null) ??
      selecting.find((s) => s.policy.name === `${namespace}-default`) ??
      selecting[0];

    let grant: string | undefined;
    const peerRules: Record<string, unknown>[][] = [];
    const ports = portsRule(flow);
    if (peer.kind === 'pod') {
      let selector: Record<string, string>;
      const peerGrant =
        side === 'ingress'
          ? [...catalog.accessGrants.values()].find(
              (g) =>
                this.labelsOf(peer.namespace)[g.label] === 'true' &&
                g.resources.some(
                  (r) =>
                    r.peer.kind === 'pod' &&
                    r.peer.namespace === namespace &&
                    (r.ports.length === 0 ||
                      r.ports.some((p) => p.port === flow.port && p.protocol === flow.protocol)),
                ),
            )
          : undefined;
      if (peerGrant) {
        grant = peerGrant.name;
        selector = { [`${NAMESPACE_LABELS_PREFIX}${peerGrant.label}`]: 'true' };
      } else {
        selector = { [POD_NAMESPACE_LABEL]: peer.namespace };
        const key = WORKLOAD_KEYS.find((k) => peer.labels[k] !== undefined);
        if (key !== undefined) selector[key] = peer.labels[key] as string;
      }
      peerRules.push([
        { [side === 'egress' ? 'toEndpoints' : 'fromEndpoints']: [{ matchLabels: selector }], ...ports },
      ]);
    } else if (peer.kind === 'world') {
      if (side === 'egress' && peer.names && peer.names.length > 0) {
        const fqdn = { toFQDNs: peer.names.map((name) => ({ matchName: name })), ...ports };
        // toFQDNs needs DNS lookups to go through Cilium's DNS proxy: an egress rule of the endpoint with DNS L7
        // rules. When it has one, the FQDN rule alone will do; else the DNS rule comes with it.
        const dnsVisible = engine
          .endpointPolicy(identity)
          .egress.allow.some((p) => p.ports?.some((r) => r.l7 === 'dns') ?? false);
        if (dnsVisible) peerRules.push([fqdn]);
        const dns = catalog.dns;
        if (!dnsVisible && dns && dns.peer.kind === 'pod') {
          peerRules.push([
            fqdn,
            {
              toEndpoints: [
                { matchLabels: { [POD_NAMESPACE_LABEL]: dns.peer.namespace, ...dns.peer.labels } },
              ],
              toPorts: [
                { ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } },
              ],
            },
          ]);
        }
      }
      peerRules.push([{ [side === 'egress' ? 'toEntities' : 'fromEntities']: ['world'], ...ports }]);
    } else {
      peerRules.push([{ [side === 'egress' ? 'toEntities' : 'fromEntities']: [peer.entity], ...ports }]);
    }
    const policyName = chosen?.policy.name ?? newPolicyName(namespace, cnps, peer);
    // The engine's rule label: `spec`, or `specs[i]` when the policy has several rules.
    const at = `${chosen?.label ?? 'spec'}.${side}`;
    return peerRules.map((rules) => ({
      fix: {
        kind: 'policy-change',
        namespace,
        policy: policyName,
        direction: side,
        at,
        // Rendered once an alternative is chosen (see proposePolicyChange).
        rule: '',
        file: chosen?.policy.source.file ?? null,
        newPolicy: chosen === undefined,
      },
      rules,
      endpointSelector: chosen?.rule.endpointSelector ?? null,
      grant,
    }));
  }

  /**
   * Loads proposed rules through the repository loader (each as a CiliumNetworkPolicy with the target rule's
   * endpointSelector, so it selects the same pods): a proposal the loader rejects maps to nothing.
   */
  private loadProposals(proposals: readonly PlatformRule[]): Map<PlatformRule, PolicyObject> {
    const files: Record<string, string> = {};
    proposals.forEach((p, i) => {
      // JSON is YAML: the loader reads it like any manifest, and JSON.stringify is much cheaper than YAML output.
      files[`proposal-${i}.yaml`] = JSON.stringify({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: p.fix.policy, namespace: p.fix.namespace },
        spec: { endpointSelector: selectorPlain(p.endpointSelector), [p.fix.direction]: p.rules },
      });
    });
    const loaded = loadRepoFromText(files);
    const out = new Map<PlatformRule, PolicyObject>();
    proposals.forEach((p, i) => {
      const file = `proposal-${i}.yaml`;
      if (loaded.diagnostics.some((d) => d.severity === 'error' && d.source?.file === file)) return;
      const policy = loaded.repo.policies.find((x) => x.source.file === file);
      if (policy) out.set(p, policy);
    });
    return out;
  }

  /** Whether the engine allows the flow once the proposals are added to the repository. */
  private allowsWith(
    flow: Flow,
    proposals: readonly PlatformRule[],
    loaded: ReadonlyMap<PlatformRule, PolicyObject>,
  ): boolean {
    const added = proposals.map((p) => loaded.get(p));
    if (added.some((p) => p === undefined)) return false;
    const { repo, engine } = this.loaded;
    // Only the policies with a rule selecting one of the flow's endpoints can decide it: compile those (plus the
    // proposals) rather than the whole repository, so a check costs the same in a repository of any size.
    const endpoints = [flow.source, flow.destination]
      .filter((p) => p.kind === 'pod')
      .map((p) => engine.identityOf(p));
    const deciding = new Set<string>();
    for (const rule of engine.rules) {
      if (endpoints.some((identity) => selectorMatches(rule.subject, identity))) {
        deciding.add(
          `${rule.origin.kind}\u0000${rule.origin.namespace}\u0000${rule.origin.name}\u0000${rule.origin.file}`,
        );
      }
    }
    const modified = createEngine(
      {
        namespaces: repo.namespaces,
        policies: [
          ...repo.policies.filter((p) =>
            deciding.has(`${p.kind}\u0000${p.namespace}\u0000${p.name}\u0000${p.source.file}`),
          ),
          ...(added as PolicyObject[]),
        ],
        workloads: repo.workloads,
        settings: engine.settings,
      },
      {},
    );
    return modified.verdict(flow).verdict === 'allowed';
  }
}

interface PlatformRule {
  readonly fix: PolicyChangeFix;
  /** One rule, or an FQDN rule followed by the DNS L7 rule it needs. */
  readonly rules: readonly Record<string, unknown>[];
  readonly endpointSelector: LabelSelector | null;
  /** The access grant whose server side the rule is, when the peer's namespace holds one. */
  readonly grant: string | undefined;
}

/** Rules as a YAML list (seed template style); a DNS L7 rule gets a comment saying why it is there. */
function renderRules(rules: readonly Record<string, unknown>[]): string {
  const doc = new Document(rules);
  if (isSeq(doc.contents)) {
    doc.contents.items.forEach((item, i) => {
      const rule = rules[i] as { toPorts?: { rules?: { dns?: unknown } }[] } | undefined;
      if (i > 0 && rule?.toPorts?.some((p) => p.rules?.dns !== undefined) && isNode(item)) {
        item.commentBefore =
          ' DNS through the Cilium DNS proxy, so toFQDNs learns the addresses of the names above';
      }
    });
  }
  return doc.toString({ lineWidth: 0 });
}

function newPolicyName(namespace: string, cnps: readonly CiliumPolicyObject[], peer: Peer): string {
  const name = `${namespace}-default`;
  if (!cnps.some((p) => p.name === name)) return name;
  const suffix = peer.kind === 'pod' ? peer.namespace : peer.kind === 'world' ? 'world' : peer.entity;
  return `${namespace}-${suffix}`;
}

function portsRule(flow: Flow): Record<string, unknown> {
  if (flow.protocol === 'ICMPv4' || flow.protocol === 'ICMPv6') {
    return {
      icmps: [
        { fields: [{ type: flow.icmpType ?? 8, family: flow.protocol === 'ICMPv4' ? 'IPv4' : 'IPv6' }] },
      ],
    };
  }
  return { toPorts: [{ ports: [{ port: String(flow.port), protocol: flow.protocol }] }] };
}

function selectorPlain(selector: LabelSelector | null): Record<string, unknown> {
  if (!selector) return {};
  const out: Record<string, unknown> = {};
  if (Object.keys(selector.matchLabels).length > 0) out.matchLabels = { ...selector.matchLabels };
  if (selector.matchExpressions.length > 0) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({
      key: e.key,
      operator: e.operator,
      ...(e.values.length > 0 && { values: [...e.values] }),
    }));
  }
  return out;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function deniedSides(verdict: Verdict): DeniedAt | null {
  const egress = verdict.egress.verdict === 'denied';
  const ingress = verdict.ingress.verdict === 'denied';
  return egress && ingress ? 'both' : egress ? 'egress' : ingress ? 'ingress' : null;
}

function podNamespaces(flow: Flow): string[] {
  const out: string[] = [];
  for (const peer of [flow.source, flow.destination]) {
    if (peer.kind === 'pod' && !out.includes(peer.namespace)) out.push(peer.namespace);
  }
  return out;
}

/** Whether a catalogue peer (a pod selector pinned to a namespace) matches a flow peer. */
export function peerMatches(catalogPeer: Peer, peer: Peer): boolean {
  if (catalogPeer.kind !== 'pod' || peer.kind !== 'pod') return false;
  if (catalogPeer.namespace !== peer.namespace) return false;
  return Object.entries(catalogPeer.labels).every(([k, v]) => peer.labels[k] === v);
}

function difference(a: ReadonlySet<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0001');
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/** `CiliumNetworkPolicy/ns/name` → `CiliumNetworkPolicy billing/block-egress` (breakable in a table cell). */
function foreignName(ref: string): string {
  const [kind, namespace, ...name] = ref.split('/');
  return `${kind} ${namespace === '' ? '' : `${namespace}/`}${name.join('/')}`;
}

/** `name` for a clusterwide policy, `namespace/name` for a namespaced one. */
function shortPolicyName(r: { namespace: string; name: string }): string {
  return r.namespace === '' ? r.name : `${r.namespace}/${r.name}`;
}

function policyName(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind}/${r.namespace === '' ? '' : `${r.namespace}/`}${r.name}`;
}

/** `5432/TCP`, or `ICMPv4 type 8`. */
export function flowPortText(flow: Flow): string {
  return flow.protocol === 'ICMPv4' || flow.protocol === 'ICMPv6'
    ? `${flow.protocol} type ${flow.icmpType ?? 0}`
    : `${flow.port}/${flow.protocol}`;
}

function portsText(peer: CatalogPeer): string {
  return peer.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
}

/** A short name for a peer: `namespace/<workload label value>`, `world:<name or IP>` or the entity. */
export function peerDisplayName(peer: Peer): string {
  switch (peer.kind) {
    case 'pod': {
      const key = WORKLOAD_KEYS.find((k) => peer.labels[k] !== undefined);
      return key ? `${peer.namespace}/${peer.labels[key]}` : peer.namespace;
    }
    case 'world':
      return `world:${peer.names?.[0] ?? peer.ip}`;
    case 'reserved':
      return peer.entity;
  }
}

function defaultNames(flow: Flow): PeerNames {
  return { source: peerDisplayName(flow.source), destination: peerDisplayName(flow.destination) };
}

function causeCodeOf(d: Omit<Diagnosis, 'causeCode'>, verdict: Verdict): DropCauseCode {
  if (d.fix?.kind === 'missing-baseline') return 'missing-baseline';
  if (d.drift) return 'drift';
  switch (d.fix?.kind) {
    case 'add-label':
      return 'missing-access-grant';
    case 'set-profile':
      return 'profile';
    case 'policy-change':
      return 'platform-policy';
    default:
      return verdict.egress.deniedBy.length + verdict.ingress.deniedBy.length > 0 ? 'deny-rule' : 'no-rule';
  }
}

/**
 * The fix in plain words, e.g. `add label access.network-policy.homelab/postgres: "true" to namespace web`.
 * @param fix - a fix from {@link FixSearch.diagnose}.
 */
export function describeFix(fix: DropFix): string {
  switch (fix.kind) {
    case 'add-label':
      return `add label ${fix.label}: "${fix.value}" to namespace ${fix.namespace}${fix.newlyAllowed.length > 0 ? ` (newly allows: ${fix.newlyAllowed.join('; ')})` : ''}`;
    case 'set-profile': {
      const from = fix.from === null ? 'no profile' : `profile "${fix.from}"`;
      let text = `switch namespace ${fix.namespace} from ${from} to profile "${fix.to}"`;
      if (fix.newlyAllowed.length > 0) text += ` (newly allows: ${fix.newlyAllowed.join('; ')})`;
      if (fix.noLongerAllowed.length > 0) text += ` (no longer allows: ${fix.noLongerAllowed.join('; ')})`;
      return text;
    }
    case 'policy-change': {
      const one = (f: PolicyChangeFix) => {
        const count = f.rule.split('\n').filter((l) => l.startsWith('- ')).length;
        const what = count > 1 ? `these ${f.direction} rules` : `this ${f.direction} rule`;
        return `${f.newPolicy ? 'create' : 'add to'} CiliumNetworkPolicy ${f.namespace}/${f.policy}${f.file ? ` (${f.file})` : ''} ${what} under ${f.at}:\n${f.rule.trimEnd()}`;
      };
      return fix.also ? `${one(fix)}\nand ${one(fix.also)}` : one(fix);
    }
    case 'missing-baseline':
      return fix.inRepository
        ? `should not happen: check that baseline ${fix.baseline} (${fix.purpose}) exists in the cluster and matches git${fix.file ? ` (${fix.file}${fix.line ? `:${fix.line}` : ''})` : ''}`
        : `the repository lacks a baseline for ${fix.purpose}: add a CiliumClusterwideNetworkPolicy with an empty endpointSelector that allows it`;
  }
}
