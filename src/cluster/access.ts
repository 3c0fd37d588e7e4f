/**
 * What a request needs from RBAC, and the rule that grants it: the words a 403 is explained with.
 * The two ClusterRoles netpol ships live in `deploy/rbac/` (read-only and escape-hatch operator).
 */

/** The RBAC attributes of one API request (verb on resource in group, in a namespace or cluster-wide). */
export interface Access {
  /** `get`, `list`, `watch`, `patch`, `create`. */
  readonly verb: string;
  /** API group: `''` for the core group. */
  readonly group: string;
  /** Resource (plural), e.g. `namespaces`, `ciliumnetworkpolicies`. */
  readonly resource: string;
  /** Namespace of a namespaced request; undefined for cluster-scoped or all-namespace requests. */
  readonly namespace?: string;
  /** The object's name, for get and patch. */
  readonly name?: string;
}

/** The ClusterRoles of `deploy/rbac/`. */
export const CLUSTER_ROLES = {
  readOnly: { name: 'netpol-read-only', file: 'deploy/rbac/netpol-read-only.yaml' },
  escapeHatch: { name: 'netpol-escape-hatch', file: 'deploy/rbac/netpol-escape-hatch.yaml' },
} as const;

/** The request as a sentence fragment: `patch namespaces "web"`, `list ciliumnetworkpolicies.cilium.io in all namespaces`. */
export function describeAccess(a: Access): string {
  const resource = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
  const what = a.name !== undefined ? `${a.verb} ${resource} "${a.name}"` : `${a.verb} ${resource}`;
  const scope =
    a.namespace !== undefined
      ? ` in namespace "${a.namespace}"`
      : a.resource === 'namespaces'
        ? ''
        : ' in all namespaces';
  return `${what}${scope}`;
}

/** The RBAC rule granting the access, in a Role's YAML flow style. */
export function ruleFor(a: Access): string {
  return `{apiGroups: ["${a.group}"], resources: ["${a.resource}"], verbs: ["${a.verb}"]}`;
}

/** The shipped ClusterRole that grants the access. */
export function roleFor(a: Access): (typeof CLUSTER_ROLES)[keyof typeof CLUSTER_ROLES] {
  return ['get', 'list', 'watch'].includes(a.verb) ? CLUSTER_ROLES.readOnly : CLUSTER_ROLES.escapeHatch;
}
