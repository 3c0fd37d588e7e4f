import path from 'node:path';
import {
  type Catalog,
  deriveCatalog,
  escapeHatchOfNamespace,
  grantsOfNamespace,
  profileOfNamespace,
} from '../../catalog/derive-catalog.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { Flow, FlowProtocol, Peer, RuleRef, SideVerdict, Verdict } from '../../engine/types.js';
import { createEngine } from '../../engine/verdict.js';
import type { Diagnostic } from '../../errors.js';
import type { SourceLocator } from '../../lint/define-rule.js';
import { createLocator, diskLocator } from '../../lint/lint-input.js';
import { labelSource } from '../../lint/policy-walk.js';
import { normalizeUrl } from '../../repo/flux.js';
import { gitRemoteUrls } from '../../repo/host.js';
import { loadRepoFromText } from '../../repo/load-repo.js';
import type { ClusterNode, ClusterSettings, NamespaceObject, PolicyObject } from '../../repo/model.js';
import { readRevision } from './git-revision.js';
import { catalogConfigOf, type LoadedRepo, loadForAnalysis } from './load.js';
import { type MatrixColumn, matrixColumns } from './matrix.js';

export { type ReadRevisionOptions, type RevisionTree, readRevision } from './git-revision.js';

/** What a cell of the matrix was or became: `absent` when its namespace does not exist on that side. */
export type CellState = 'allowed' | 'denied' | 'absent';

/** Which revision a side of the diff is: a git revision, or the working tree (`revision: null`). */
export interface DiffRevision {
  /** The revision as given (`main`, `HEAD~1`), or null for the working tree on disk. */
  readonly revision: string | null;
  /** The full commit id, or null for the working tree. */
  readonly commit: string | null;
  /** False when the repository directory does not exist at that revision (everything is then added). */
  readonly exists: boolean;
}

/** One side of a diff: a loaded repository and the revision it was read from. */
export interface DiffSide extends LoadedRepo, DiffRevision {
  /** Finds positions the model does not keep (a label key) in this side's files. Default: none (the Namespace's line). */
  readonly locator?: SourceLocator;
}

/** A matrix column as the diff reports it; `peer` is the concrete peer of the cell (trace syntax). */
export interface DiffColumn {
  /** Column id of the matrix (`grant-postgres`, `world-443`, `app-namespace` …). */
  readonly id: string;
  /** The matrix header, e.g. `postgres: database:5432/TCP`. */
  readonly title: string;
  readonly short: string;
  /** `egress`: the row's pod is the source; `ingress`: it is the destination. */
  readonly direction: 'egress' | 'ingress';
  /** The peer of the row's pod, in trace syntax (`database`, `world:203.0.113.10`, `kube-apiserver` …). */
  readonly peer: string;
  readonly port: number;
  readonly protocol: FlowProtocol;
}

/**
 * A rule that explains a flipped cell, read from one revision: a rule that allows the flow where it is
 * allowed, a deny rule that matches where it is denied, or (when the allowed side was not enforced) a
 * policy that newly selects the endpoint and makes it default-deny.
 */
export interface ResponsibleRule {
  /** The revision the rule is read from. */
  readonly revision: 'base' | 'head';
  /** Egress of the source or ingress of the destination. */
  readonly side: 'egress' | 'ingress';
  /** The endpoint of that side, in trace syntax. */
  readonly endpoint: string;
  readonly role: 'allowed' | 'denied' | 'selected';
  readonly kind: RuleRef['kind'];
  /** Empty for clusterwide policies. */
  readonly namespace: string;
  readonly name: string;
  /** `egress[0]`, `ingressDeny[1]` …; for `selected`, the part selecting the endpoint (`spec.egress`). */
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A matrix cell whose connectivity changed (allowed on exactly one side). */
export interface CellChange {
  readonly namespace: string;
  readonly column: DiffColumn;
  readonly before: CellState;
  readonly after: CellState;
  /** The rules responsible, base side first; empty when no rule explains it (e.g. a cluster setting). */
  readonly because: readonly ResponsibleRule[];
}

/** A namespace whose existence, profile, access grants or escape hatch changed. */
export interface NamespaceChange {
  readonly namespace: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Profile label value on each side (null: none, or the namespace is absent). */
  readonly profile: { readonly before: string | null; readonly after: string | null };
  /** Access grants the change adds and removes, sorted. */
  readonly grants: { readonly added: readonly string[]; readonly removed: readonly string[] };
  /** Whether the escape hatch label turns enforcement off, on each side. */
  readonly escapeHatch: { readonly before: boolean; readonly after: boolean };
  /** Where the namespace is defined (head side, or base when removed). */
  readonly file: string;
  readonly line: number;
}

/** A policy added, removed or changed, by `kind/namespace/name`. */
export interface PolicyChange {
  readonly kind: PolicyObject['kind'];
  /** Empty for clusterwide policies. */
  readonly namespace: string;
  readonly name: string;
  /** Position on the head side (base side for a removed policy). */
  readonly file: string;
  readonly line: number;
  /** For a changed policy, the parts whose parsed rules differ: `egress`, `egress[2]`, `specs[1].ingress` … */
  readonly fields: readonly string[];
  /**
   * Whether the change may open paths, matrix or not: an allow element that the other side lacks, a deny
   * element or a default-deny direction that disappears, a changed subject selector or enableDefaultDeny;
   * an added policy with allow elements; any removed policy. Only removals of allow elements are safe.
   */
  readonly mayOpen: boolean;
}

/** A cluster setting (`netpol.config.yaml` `cluster:` or a flag) that differs between the sides. */
export interface SettingChange {
  readonly setting: keyof ClusterSettings;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * A node whose labels or addresses differ between the revisions (Node objects, with `cluster.nodes` entries of
 * `netpol.config.yaml` replacing those of the same name, as the engine reads them). Node labels decide
 * `fromNodes`/`toNodes` and host policies, which the matrix has no column for.
 */
export interface NodeChange {
  readonly node: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Labels set or changed at head (key → value at head). Empty for a removed node. */
  readonly labelsSet: Readonly<Record<string, string>>;
  /** Label keys the node had at base and not at head. */
  readonly labelsRemoved: readonly string[];
  /** Addresses at head that base did not list. */
  readonly addressesAdded: readonly string[];
  /** Addresses at base that head does not list. */
  readonly addressesRemoved: readonly string[];
}

/** The connectivity a change adds and removes. */
export interface ConnectivityDiff {
  readonly base: DiffRevision;
  readonly head: DiffRevision;
  /** `added`: cells that flip to allowed (paths opened); `removed`: cells that flip from allowed (closed). */
  readonly summary: { readonly added: number; readonly removed: number };
  readonly namespaces: readonly NamespaceChange[];
  /** Flipped cells, grouped by namespace (head order, then removed namespaces), in column order. */
  readonly cells: readonly CellChange[];
  /** Matrix columns that exist on one side only (an access grant, gateway or scraper added or removed). */
  readonly columns: { readonly added: readonly DiffColumn[]; readonly removed: readonly DiffColumn[] };
  readonly policies: {
    readonly added: readonly PolicyChange[];
    readonly removed: readonly PolicyChange[];
    readonly changed: readonly PolicyChange[];
  };
  /** Cluster settings that differ; `nodes` is reported in {@link nodes} instead. */
  readonly settings: readonly SettingChange[];
  /** Nodes whose labels or addresses differ, by name. */
  readonly nodes: readonly NodeChange[];
  /** What loading each side reported (file paths relative to the repository directory). */
  readonly diagnostics: { readonly base: readonly Diagnostic[]; readonly head: readonly Diagnostic[] };
}

/** Options of {@link diffRevisions}. */
export interface DiffOptions {
  /** The repository directory; may be a subdirectory of the git work tree. Default: the current directory. */
  readonly root?: string;
  /** The base revision (what the change is compared against), e.g. `origin/main`. */
  readonly base: string;
  /** The head revision. Default: the working tree on disk. */
  readonly head?: string;
  /** Flux post-build variables, applied to both sides. Default: none. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Cluster settings that win over `netpol.config.yaml` on both sides. Default: none. */
  readonly settings?: Partial<ClusterSettings>;
  /**
   * The Flux cluster to read on both sides when the repository holds several (`--cluster`): its name or
   * path. Default: `cluster.path` of each side's `netpol.config.yaml`, else the only cluster.
   */
  readonly cluster?: string;
  /** The git executable. Default: `git`. */
  readonly git?: string;
}

/**
 * Reads the repository at a git revision and builds its engine and catalogue: the same steps as
 * `loadForAnalysis` on the working tree, from `git cat-file` instead of the disk. As on disk, the whole work
 * tree of the revision is the repository and `root` (a folder of it, as `-R` gives) only the entry, so
 * kustomizations and Flux paths above it resolve; file names are relative to `root`, like the working tree's.
 * @throws NetpolError `NETPOL_GIT_FAILED` (see `readRevision`); `NETPOL_CLUSTER_AMBIGUOUS` when the revision
 *   holds several Flux clusters and none is picked; `NETPOL_BAD_ARGUMENT` when the cluster asked for is not
 *   one of them.
 */
export async function loadRevision(
  root: string,
  revision: string,
  options: Pick<DiffOptions, 'vars' | 'settings' | 'cluster' | 'git'> = {},
): Promise<DiffSide> {
  const tree = await readRevision(root, revision, {
    workTree: true,
    ...(options.git !== undefined ? { git: options.git } : {}),
  });
  const { repo, diagnostics } = loadRepoFromText(tree.files, {
    root: path.resolve(root),
    dir: tree.prefix,
    // As on disk: a GitRepository with the URL of one of the work tree's remotes is this repository.
    ownUrls: gitRemoteUrls(tree.toplevel).map(normalizeUrl),
    ...(options.vars !== undefined ? { vars: options.vars } : {}),
    ...(options.settings !== undefined ? { settings: options.settings } : {}),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
  });
  const engine = createEngine(repo);
  const catalog = deriveCatalog(repo, catalogConfigOf(repo));
  const locator = createLocator((file) => tree.files[path.posix.join(tree.prefix, file)]);
  return { repo, diagnostics, engine, catalog, revision, commit: tree.commit, exists: tree.exists, locator };
}

/**
 * Compares the repository at two revisions: the matrix cells that flip (with the rules responsible),
 * namespace label changes, policies added/removed/changed, cluster settings.
 * Cost: two repository loads (git: three processes per revision) and 2 × namespaces × columns verdicts.
 * @throws NetpolError `NETPOL_GIT_FAILED` when git cannot read a revision; `NETPOL_REPO_NOT_FOUND` when the
 *   root does not exist.
 * @example
 * const d = await diffRevisions({ root: 'clusters/prod', base: 'origin/main' });
 * d.summary; // { added: 1, removed: 0 }
 */
export async function diffRevisions(options: DiffOptions): Promise<ConnectivityDiff> {
  const { base, head } = await loadDiffSides(options);
  return diffLoaded(base, head);
}

/**
 * Loads both sides of a diff: the base revision from git, the head revision from git or (without `head`) the
 * working tree on disk, concurrently.
 * @throws NetpolError `NETPOL_GIT_FAILED` when git cannot read a revision; `NETPOL_REPO_NOT_FOUND` when the
 *   root does not exist.
 */
export async function loadDiffSides(options: DiffOptions): Promise<{ base: DiffSide; head: DiffSide }> {
  const root = path.resolve(options.root ?? '.');
  const headSide =
    options.head === undefined
      ? loadForAnalysis({
          root,
          // A change may remove every manifest: the diff then reports what closes.
          requireManifests: false,
          ...(options.vars !== undefined ? { vars: options.vars } : {}),
          ...(options.settings !== undefined ? { settings: options.settings } : {}),
          ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
        }).then(
          (l): DiffSide => ({ ...l, revision: null, commit: null, exists: true, locator: diskLocator(root) }),
        )
      : loadRevision(root, options.head, options);
  const [base, head] = await Promise.all([loadRevision(root, options.base, options), headSide]);
  return { base, head };
}

/**
 * The diff of two loaded sides (pure: no I/O). Every cell of the union of both matrices (namespaces and
 * columns of either side) is evaluated on both engines; a namespace missing on one side is `absent` there.
 * A cell is reported when it is allowed on exactly one side.
 */
export function diffLoaded(base: DiffSide, head: DiffSide): ConnectivityDiff {
  const baseNs = byName(base.repo.namespaces);
  const headNs = byName(head.repo.namespaces);
  const names = [...headNs.keys(), ...[...baseNs.keys()].filter((n) => !headNs.has(n))];

  const baseCols = matrixColumns(base.catalog, base.repo.namespaces);
  const headCols = matrixColumns(head.catalog, head.repo.namespaces);
  const baseKeys = new Set(baseCols.map(columnKey));
  const headKeys = new Set(headCols.map(columnKey));
  const columns = [...headCols, ...baseCols.filter((c) => !headKeys.has(columnKey(c)))];
  const apps = [
    ...head.catalog.applicationNamespaces,
    ...base.catalog.applicationNamespaces.filter((a) => !head.catalog.applicationNamespaces.includes(a)),
  ];
  const inBoth = (n: string) => baseNs.has(n) && headNs.has(n);

  const cells: CellChange[] = [];
  for (const name of names) {
    for (const col of columns) {
      let peer = col.peer;
      if (col.id === 'app-namespace') {
        const other = apps.find((a) => a !== name && inBoth(a)) ?? apps.find((a) => a !== name);
        if (other === undefined) continue;
        peer = { kind: 'pod', namespace: other, labels: {} };
      }
      const self: Peer = { kind: 'pod', namespace: name, labels: {} };
      const flow: Flow =
        col.direction === 'egress'
          ? { source: self, destination: peer, port: col.port, protocol: col.protocol }
          : { source: peer, destination: self, port: col.port, protocol: col.protocol };
      const vb = baseNs.has(name) ? base.engine.verdict(flow) : null;
      const va = headNs.has(name) ? head.engine.verdict(flow) : null;
      const before: CellState = vb ? vb.verdict : 'absent';
      const after: CellState = va ? va.verdict : 'absent';
      if ((before === 'allowed') === (after === 'allowed')) continue;
      cells.push({
        namespace: name,
        column: diffColumn(col, peer),
        before,
        after,
        because: responsibleRules(flow, vb, va),
      });
    }
  }

  return {
    base: revisionOf(base),
    head: revisionOf(head),
    summary: {
      added: cells.filter((c) => c.after === 'allowed').length,
      removed: cells.filter((c) => c.before === 'allowed').length,
    },
    namespaces: names.flatMap((n) => {
      const c = namespaceChange(n, { ns: baseNs.get(n), side: base }, { ns: headNs.get(n), side: head });
      return c ? [c] : [];
    }),
    cells,
    columns: {
      added: headCols.filter((c) => !baseKeys.has(columnKey(c))).map((c) => diffColumn(c, c.peer)),
      removed: baseCols.filter((c) => !headKeys.has(columnKey(c))).map((c) => diffColumn(c, c.peer)),
    },
    policies: policyChanges(base.repo.policies, head.repo.policies),
    settings: settingChanges(base.repo.settings, head.repo.settings),
    nodes: nodeChanges(nodesOf(base.repo), nodesOf(head.repo)),
    diagnostics: { base: base.diagnostics, head: head.diagnostics },
  };
}

function revisionOf(side: DiffSide): DiffRevision {
  return { revision: side.revision, commit: side.commit, exists: side.exists };
}

function byName(namespaces: readonly NamespaceObject[]): Map<string, NamespaceObject> {
  const m = new Map<string, NamespaceObject>();
  for (const ns of namespaces) if (!m.has(ns.name)) m.set(ns.name, ns);
  return m;
}

/** Columns are the same when they probe the same flow; the app-namespace peer is chosen per row. */
function columnKey(c: MatrixColumn): string {
  const peer = c.id === 'app-namespace' ? '' : formatPeer(c.peer);
  return `${c.id}\u0000${c.direction}\u0000${peer}\u0000${c.port}\u0000${c.protocol}`;
}

function diffColumn(c: MatrixColumn, peer: Peer): DiffColumn {
  const peerText = formatPeer(peer);
  return {
    id: c.id,
    title:
      c.id === 'app-namespace' ? `to application namespace ${peerText} on ${c.port}/${c.protocol}` : c.title,
    short: c.short,
    direction: c.direction,
    peer: peerText,
    port: c.port,
    protocol: c.protocol,
  };
}

const ABSENT_SIDE: SideVerdict = {
  enforced: false,
  verdict: 'denied',
  allowedBy: [],
  deniedBy: [],
  selectedBy: [],
  reasons: [],
};

function policyKey(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind}/${r.namespace}/${r.name}`;
}

/**
 * The rules of each side (egress, ingress) whose verdict changed between two verdicts of one flow: the
 * allowing rules from the revision where the side allows the flow; the deny rules from the one where it
 * denies it; and, when the allowing side was not enforced at all, the policies that newly select the
 * endpoint there. Base-side rules come first.
 * @param flow - the flow both verdicts are of.
 * @param vb - its verdict at the base revision, or null when its namespace is absent there.
 * @param va - its verdict at the head revision, or null when absent there.
 */
export function responsibleRules(flow: Flow, vb: Verdict | null, va: Verdict | null): ResponsibleRule[] {
  const out: ResponsibleRule[] = [];
  const seen = new Set<string>();
  const push = (
    revision: 'base' | 'head',
    side: 'egress' | 'ingress',
    role: ResponsibleRule['role'],
    r: RuleRef,
  ) => {
    const key = `${revision}\u0000${side}\u0000${role}\u0000${policyKey(r)}\u0000${r.rule}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      revision,
      side,
      endpoint: formatPeer(side === 'egress' ? flow.source : flow.destination),
      role,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      rule: r.rule,
      file: r.file,
      line: r.line,
      column: r.column,
    });
  };
  for (const side of ['egress', 'ingress'] as const) {
    const sb = vb ? vb[side] : ABSENT_SIDE;
    const sa = va ? va[side] : ABSENT_SIDE;
    if (sb.verdict === sa.verdict) continue;
    const allowedRev = sb.verdict === 'allowed' ? 'base' : 'head';
    const deniedRev = allowedRev === 'base' ? 'head' : 'base';
    const allowed = allowedRev === 'base' ? sb : sa;
    const denied = allowedRev === 'base' ? sa : sb;
    for (const r of allowed.allowedBy) push(allowedRev, side, 'allowed', r);
    for (const r of denied.deniedBy) push(deniedRev, side, 'denied', r);
    if (allowed.allowedBy.length === 0 && denied.deniedBy.length === 0) {
      const before = new Set(allowed.selectedBy.map(policyKey));
      const fresh = denied.selectedBy.filter((r) => !before.has(policyKey(r)));
      for (const r of fresh.length > 0 ? fresh : denied.selectedBy) push(deniedRev, side, 'selected', r);
    }
  }
  return out.sort((a, b) => (a.revision === b.revision ? 0 : a.revision === 'base' ? -1 : 1));
}

function escapeHatchOn(catalog: Catalog, ns: NamespaceObject | undefined): boolean {
  return ns !== undefined && escapeHatchOfNamespace(catalog, ns);
}

function namespaceChange(
  name: string,
  before: { readonly ns: NamespaceObject | undefined; readonly side: DiffSide },
  after: { readonly ns: NamespaceObject | undefined; readonly side: DiffSide },
): NamespaceChange | null {
  const [b, bc, a, ac] = [before.ns, before.side.catalog, after.ns, after.side.catalog];
  const profile = {
    before: b ? (profileOfNamespace(bc, b) ?? null) : null,
    after: a ? (profileOfNamespace(ac, a) ?? null) : null,
  };
  const gb = b ? grantsOfNamespace(bc, b) : [];
  const ga = a ? grantsOfNamespace(ac, a) : [];
  const grants = { added: ga.filter((g) => !gb.includes(g)), removed: gb.filter((g) => !ga.includes(g)) };
  const escapeHatch = { before: escapeHatchOn(bc, b), after: escapeHatchOn(ac, a) };
  const change = !b ? 'added' : !a ? 'removed' : 'changed';
  if (
    change === 'changed' &&
    profile.before === profile.after &&
    grants.added.length === 0 &&
    grants.removed.length === 0 &&
    escapeHatch.before === escapeHatch.after
  ) {
    return null;
  }
  // A changed namespace points at its first changed label (head side; a removed label: the Namespace).
  const [ns, side] = a ? [a, after.side] : [b, before.side];
  const keys = [
    ...(profile.before !== profile.after && side.catalog.profileLabel ? [side.catalog.profileLabel] : []),
    ...[...grants.added, ...grants.removed].map((g) => `${side.catalog.accessPrefix ?? ''}${g}`),
    ...(escapeHatch.before !== escapeHatch.after && side.catalog.escapeHatch
      ? [side.catalog.escapeHatch.label]
      : []),
  ];
  const key = change === 'changed' ? keys.find((k) => ns?.labels[k] !== undefined) : undefined;
  const at = ns && key !== undefined && side.locator ? labelSource(ns, key, side.locator) : ns?.source;
  return {
    namespace: name,
    change,
    profile,
    grants,
    escapeHatch,
    file: at?.file ?? '',
    line: at?.line ?? 0,
  };
}

/** A stable text of parsed data: object keys sorted, positions (`source`) left out. */
function canonical(value: unknown): string {
  const out: string[] = [];
  writeCanonical(value, out);
  return out.join('');
}

function writeCanonical(value: unknown, out: string[]): void {
  if (value === null || value === undefined || typeof value !== 'object') {
    out.push(value === undefined ? 'null' : JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((x, i) => {
      if (i > 0) out.push(',');
      writeCanonical(x, out);
    });
    out.push(']');
    return;
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => k !== 'source' && o[k] !== undefined)
    .sort();
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(JSON.stringify(k), ':');
    writeCanonical(o[k], out);
  });
  out.push('}');
}

/** The parts of two parsed values that differ: list elements by index when the lengths agree. */
function differingFields(prefix: string, fields: readonly string[], b: object, a: object): string[] {
  const out: string[] = [];
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  for (const f of fields) {
    const vb = rb[f];
    const va = ra[f];
    if (canonical(vb) === canonical(va)) continue;
    if (Array.isArray(vb) && Array.isArray(va) && vb.length === va.length) {
      vb.forEach((x, i) => {
        if (canonical(x) !== canonical(va[i])) out.push(`${prefix}${f}[${i}]`);
      });
    } else out.push(`${prefix}${f}`);
  }
  return out;
}

const CILIUM_RULE_FIELDS = [
  'endpointSelector',
  'nodeSelector',
  'ingress',
  'ingressDeny',
  'egress',
  'egressDeny',
  'enableDefaultDeny',
] as const;
const K8S_POLICY_FIELDS = ['podSelector', 'policyTypes', 'ingress', 'egress'] as const;

function policyDiff(b: PolicyObject, a: PolicyObject): string[] {
  if (b.kind === 'NetworkPolicy' && a.kind === 'NetworkPolicy') {
    return differingFields('', K8S_POLICY_FIELDS, b, a);
  }
  if (b.kind === 'NetworkPolicy' || a.kind === 'NetworkPolicy') return ['spec'];
  if (b.rules.length !== a.rules.length) return ['specs'];
  return b.rules.flatMap((rb, i) => {
    const ra = a.rules[i];
    if (!ra) return [];
    const prefix = a.rules.length === 1 ? '' : `specs[${ra.index}].`;
    return differingFields(prefix, CILIUM_RULE_FIELDS, rb, ra);
  });
}

function policyChange(p: PolicyObject, fields: readonly string[], mayOpen: boolean): PolicyChange {
  return {
    kind: p.kind,
    namespace: p.namespace,
    name: p.name,
    file: p.source.file,
    line: p.source.line,
    fields,
    mayOpen,
  };
}

/** Whether head has an element of `field` that base lacks, or loses base's whole (non-empty) list. */
function widens(b: Record<string, unknown>, a: Record<string, unknown>, field: string): boolean {
  const bl = (b[field] as unknown[] | null | undefined) ?? [];
  const al = (a[field] as unknown[] | null | undefined) ?? [];
  if (bl.length > 0 && al.length === 0) return true;
  const have = new Set(bl.map(canonical));
  return al.some((x) => !have.has(canonical(x)));
}

/** Whether head loses a deny element base had. */
function losesDeny(b: Record<string, unknown>, a: Record<string, unknown>, field: string): boolean {
  const al = new Set(((a[field] as unknown[] | null | undefined) ?? []).map(canonical));
  return ((b[field] as unknown[] | null | undefined) ?? []).some((x) => !al.has(canonical(x)));
}

/** See {@link PolicyChange.mayOpen}. */
function changeMayOpen(b: PolicyObject, a: PolicyObject): boolean {
  if (b.kind === 'NetworkPolicy' && a.kind === 'NetworkPolicy') {
    const rb = b as unknown as Record<string, unknown>;
    const ra = a as unknown as Record<string, unknown>;
    if (canonical(rb.podSelector) !== canonical(ra.podSelector)) return true;
    if (canonical(rb.policyTypes) !== canonical(ra.policyTypes)) return true;
    return widens(rb, ra, 'ingress') || widens(rb, ra, 'egress');
  }
  if (b.kind === 'NetworkPolicy' || a.kind === 'NetworkPolicy' || b.rules.length !== a.rules.length)
    return true;
  return b.rules.some((rule, i) => {
    const rb = rule as unknown as Record<string, unknown>;
    const ra = a.rules[i] as unknown as Record<string, unknown>;
    for (const f of ['endpointSelector', 'nodeSelector', 'enableDefaultDeny']) {
      if (canonical(rb[f]) !== canonical(ra[f])) return true;
    }
    return (
      widens(rb, ra, 'ingress') ||
      widens(rb, ra, 'egress') ||
      losesDeny(rb, ra, 'ingressDeny') ||
      losesDeny(rb, ra, 'egressDeny')
    );
  });
}

/** Whether a policy grants anything (has an allow element). */
function hasAllow(p: PolicyObject): boolean {
  if (p.kind === 'NetworkPolicy') return p.ingress.length > 0 || p.egress.length > 0;
  return p.rules.some((r) => (r.ingress?.length ?? 0) > 0 || (r.egress?.length ?? 0) > 0);
}

function policyChanges(
  base: readonly PolicyObject[],
  head: readonly PolicyObject[],
): ConnectivityDiff['policies'] {
  const b = new Map(base.map((p) => [policyKey(p), p] as const));
  const h = new Map(head.map((p) => [policyKey(p), p] as const));
  const added: PolicyChange[] = [];
  const changed: PolicyChange[] = [];
  for (const [key, p] of h) {
    const old = b.get(key);
    if (!old) {
      added.push(policyChange(p, [], hasAllow(p)));
      continue;
    }
    const fields = policyDiff(old, p);
    if (fields.length > 0) changed.push(policyChange(p, fields, changeMayOpen(old, p)));
  }
  const removed = [...b].filter(([key]) => !h.has(key)).map(([, p]) => policyChange(p, [], true));
  return { added, removed, changed };
}

function settingChanges(b: ClusterSettings, a: ClusterSettings): SettingChange[] {
  return (Object.keys(a) as (keyof ClusterSettings)[])
    .filter((k) => k !== 'nodes' && canonical(b[k]) !== canonical(a[k]))
    .map((k) => ({ setting: k, before: b[k], after: a[k] }));
}

/** The nodes of a revision as the engine reads them: Node objects, replaced by `cluster.nodes` entries of the same name. */
function nodesOf(repo: Pick<LoadedRepo['repo'], 'nodes' | 'settings'>): Map<string, ClusterNode> {
  const nodes = new Map<string, ClusterNode>();
  for (const n of repo.nodes ?? []) nodes.set(n.name, n);
  for (const n of repo.settings.nodes ?? []) nodes.set(n.name, n);
  return nodes;
}

/** The nodes added, removed, or with other labels or addresses, sorted by name. */
function nodeChanges(base: Map<string, ClusterNode>, head: Map<string, ClusterNode>): NodeChange[] {
  const out: NodeChange[] = [];
  for (const name of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    const b = base.get(name);
    const a = head.get(name);
    const before = b?.labels ?? {};
    const after = a?.labels ?? {};
    const labelsSet = Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v));
    const labelsRemoved = Object.keys(before).filter((k) => !(k in after));
    const addressesAdded = (a?.addresses ?? []).filter((x) => !(b?.addresses ?? []).includes(x));
    const addressesRemoved = (b?.addresses ?? []).filter((x) => !(a?.addresses ?? []).includes(x));
    const change = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed';
    if (
      change === 'changed' &&
      Object.keys(labelsSet).length +
        labelsRemoved.length +
        addressesAdded.length +
        addressesRemoved.length ===
        0
    )
      continue;
    out.push({ node: name, change, labelsSet, labelsRemoved, addressesAdded, addressesRemoved });
  }
  return out;
}
