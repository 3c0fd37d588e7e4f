import type {
  CIDRRule,
  CiliumRule,
  DNSRule,
  Entity,
  FQDNSelector,
  HTTPRule,
  ICMPField,
  L7Kind,
  LabelSelector,
  PeerRule,
  PolicyProtocol,
  PortProtocol,
  PortRule,
  ServiceSelector,
} from './model.js';
import { re2Problem } from './re2.js';
import {
  FieldSet,
  type Fields,
  fitted,
  isRecord,
  type Path,
  type ReadContext,
  readBoolean,
  readFields,
  readList,
  readNestedFields,
  readString,
  show,
  typeName,
  withFields,
} from './read-context.js';
import { readLabelSelector } from './selectors.js';
import {
  cidrContains,
  closest,
  ENTITIES,
  hasPlaceholder,
  ICMP_TYPE_NAMES,
  isDnsSubdomain,
  isEntity,
  type ParsedCidr,
  parseCidr,
  parseCiliumPort,
} from './values.js';

/**
 * Reads Cilium rules (a CNP/CCNP `spec` or `specs[]` element, or one rule of the agent JSON format) into
 * the model, validating every field against the field lists of the official CRD schema
 * (`cilium.io_ciliumnetworkpolicies.yaml`, same for CCNP). A broken element is reported and dropped,
 * the rest of the rule is kept; when dropping would widen a rule (the last port of a port list, the last
 * ICMP field) the enclosing element is dropped instead.
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */

const RULE_FIELDS = new FieldSet([
  'description',
  'egress',
  'egressDeny',
  'enableDefaultDeny',
  'endpointSelector',
  'ingress',
  'ingressDeny',
  'labels',
  'log',
  'nodeSelector',
]);
const INGRESS_FIELDS = new FieldSet([
  'authentication',
  'fromCIDR',
  'fromCIDRSet',
  'fromEndpoints',
  'fromEntities',
  'fromGroups',
  'fromNodes',
  'fromRequires',
  'icmps',
  'toPorts',
]);
const INGRESS_DENY_FIELDS = new FieldSet([
  'fromCIDR',
  'fromCIDRSet',
  'fromEndpoints',
  'fromEntities',
  'fromGroups',
  'fromNodes',
  'fromRequires',
  'icmps',
  'toPorts',
]);
const EGRESS_FIELDS = new FieldSet([
  'authentication',
  'icmps',
  'toCIDR',
  'toCIDRSet',
  'toEndpoints',
  'toEntities',
  'toFQDNs',
  'toGroups',
  'toNodes',
  'toPorts',
  'toRequires',
  'toServices',
]);
const EGRESS_DENY_FIELDS = new FieldSet([
  'icmps',
  'toCIDR',
  'toCIDRSet',
  'toEndpoints',
  'toEntities',
  'toGroups',
  'toNodes',
  'toPorts',
  'toRequires',
  'toServices',
]);
const PORT_RULE_FIELDS = new FieldSet([
  'listener',
  'originatingTLS',
  'ports',
  'rules',
  'serverNames',
  'terminatingTLS',
]);
const PORT_DENY_RULE_FIELDS = new FieldSet(['ports']);
const PORT_FIELDS = new FieldSet(['endPort', 'port', 'protocol']);
const CIDR_SET_FIELDS = new FieldSet(['cidr', 'cidrGroupRef', 'cidrGroupSelector', 'except']);
const FQDN_FIELDS = new FieldSet(['matchName', 'matchPattern']);
const SERVICE_FIELDS = new FieldSet(['k8sService', 'k8sServiceSelector']);
const K8S_SERVICE_FIELDS = new FieldSet(['namespace', 'serviceName']);
const K8S_SERVICE_SELECTOR_FIELDS = new FieldSet(['namespace', 'selector']);
const ICMP_RULE_FIELDS = new FieldSet(['fields']);
const ICMP_FIELD_FIELDS = new FieldSet(['family', 'type']);
const AUTH_FIELDS = new FieldSet(['mode']);
const DEFAULT_DENY_FIELDS = new FieldSet(['egress', 'ingress']);
const L7_RULES_FIELDS = new FieldSet(['dns', 'http', 'kafka', 'l7', 'l7proto']);
const HTTP_FIELDS = new FieldSet(['headerMatches', 'headers', 'host', 'method', 'path']);
const KAFKA_FIELDS = new FieldSet(['apiKey', 'apiVersion', 'clientID', 'role', 'topic']);
const LISTENER_FIELDS = new FieldSet(['envoyConfig', 'name', 'priority']);
const ENVOY_CONFIG_FIELDS = new FieldSet(['kind', 'name']);
const GROUP_FIELDS = new FieldSet(['aws']);

/** Marks a list field that is not a list, where reading it as empty would widen the rule. */
const MALFORMED: unknown[] = [];

const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP', 'ANY']);
const AUTH_MODES: ReadonlySet<string> = new Set(['disabled', 'required', 'test-always-fail']);
const FQDN_NAME = /^([-a-zA-Z0-9_]+[.]?)+$/;
const FQDN_PATTERN = /^([-a-zA-Z0-9_*]+[.]?)+$/;
const SERVER_NAME = /^(\*?\*\.)?([-a-zA-Z0-9_]+\.?)+$/;

/**
 * Reads one Cilium rule.
 * @param ctx - The read context (`foldCase` for the agent JSON format).
 * @param value - The rule mapping.
 * @param path - Its path (`['spec']`, `['specs', 2]`, `[0]`).
 * @param index - The model's rule index (`specs` position, 0 for `spec`).
 * @returns The rule, or null when it has no usable endpointSelector/nodeSelector.
 */
export function readCiliumRule(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  index: number,
): CiliumRule | null {
  if (!isRecord(value)) {
    ctx.report('BAD_VALUE', 'error', `A Cilium rule must be a mapping, not ${typeName(value)}.`, path);
    return null;
  }
  const f = readFields(ctx, value, path, RULE_FIELDS, 'a Cilium rule (spec)');
  const hasEndpoint = f.has('endpointSelector');
  const hasNode = f.has('nodeSelector');
  if (hasEndpoint && hasNode) {
    ctx.report(
      'BAD_VALUE',
      'error',
      'A rule sets both endpointSelector and nodeSelector; Cilium accepts exactly one.',
      f.at('nodeSelector'),
      'Split it into an endpoint rule and a host (nodeSelector) rule.',
      { key: true },
    );
    return null;
  }
  if (!hasEndpoint && !hasNode) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      'A rule has neither endpointSelector nor nodeSelector, so it selects nothing.',
      path,
      'Add `endpointSelector: {}` (all pods) or a nodeSelector for a host policy.',
    );
    return null;
  }
  const selectorField = hasEndpoint ? 'endpointSelector' : 'nodeSelector';
  const selector = readLabelSelector(ctx, f.get(selectorField), f.at(selectorField), 'cilium');
  if (!selector) return null;
  const ingress = readPeerRules(ctx, f, 'ingress', false);
  const ingressDeny = readPeerRules(ctx, f, 'ingress', true);
  const egress = readPeerRules(ctx, f, 'egress', false);
  const egressDeny = readPeerRules(ctx, f, 'egress', true);
  if (ingress === null && ingressDeny === null && egress === null && egressDeny === null) {
    ctx.report(
      'MISSING_FIELD',
      'warning',
      'A rule has no ingress, ingressDeny, egress or egressDeny list, so it does nothing.',
      path,
      'Add the rules, or `ingress: [{}]` to make the selected endpoints deny all ingress.',
    );
  }
  if (hasNode) {
    for (const [list, direction] of [
      [ingress, 'ingress'],
      [egress, 'egress'],
    ] as const) {
      for (const peer of list ?? []) {
        const kind = hostL7Kind(peer);
        if (kind === undefined) continue;
        const said =
          direction === 'ingress'
            ? 'L7 policy is not supported on host ingress yet'
            : `L7 protocol ${kind} is not supported on host egress yet`;
        ctx.report(
          'BAD_VALUE',
          'error',
          `A host policy (nodeSelector) has ${kind} rules on ${direction}: Cilium rejects the policy ("${said}") and applies none of its rules.`,
          [...f.at(direction), peer.index, 'toPorts'],
          direction === 'ingress'
            ? 'Host policies enforce L3/L4 only on ingress: remove the rules block, or put the L7 rules in a policy with an endpointSelector.'
            : 'Host policies take only DNS rules on egress: remove the rules block, or put the L7 rules in a policy with an endpointSelector.',
          { key: true },
        );
      }
    }
  }
  const enableDefaultDeny: { ingress?: boolean; egress?: boolean } = {};
  const ddf = readNestedFields(ctx, f, 'enableDefaultDeny', DEFAULT_DENY_FIELDS, 'enableDefaultDeny');
  if (ddf) {
    const i = readBoolean(ctx, ddf.get('ingress'), ddf.at('ingress'), 'enableDefaultDeny.ingress');
    const e = readBoolean(ctx, ddf.get('egress'), ddf.at('egress'), 'enableDefaultDeny.egress');
    if (i !== undefined) enableDefaultDeny.ingress = i;
    if (e !== undefined) enableDefaultDeny.egress = e;
  }
  const description = readString(ctx, f.get('description'), f.at('description'), 'description');
  return {
    endpointSelector: hasEndpoint ? selector : null,
    nodeSelector: hasNode ? selector : null,
    ingress,
    ingressDeny,
    egress,
    egressDeny,
    enableDefaultDeny,
    ...(description !== undefined ? { description } : {}),
    index,
    source: ctx.source(path),
  };
}

/**
 * The L7 kind for which Cilium rejects a host policy (a `nodeSelector` rule) with this allow element, or
 * undefined when it accepts it: on ingress any L7 rules ("L7 policy is not supported on host ingress yet"),
 * on egress HTTP and Kafka ("L7 protocol HTTP is not supported on host egress yet"; DNS rules are allowed).
 * Rule sanitising fails and the whole policy is refused (cilium/cilium pkg/policy/api rule_validation.go,
 * IngressRule/EgressRule Validate with hostPolicy, the same in the code of 1.16 to main).
 * @param peer - an ingress or egress allow element of a host rule.
 * @returns `HTTP`, `Kafka`, `DNS` or `l7proto` as Cilium names it, or undefined.
 */
export function hostL7Kind(peer: PeerRule): string | undefined {
  if (peer.deny) return undefined;
  for (const pr of peer.toPorts) {
    if (pr.l7 === null) continue;
    if (peer.direction === 'egress' && pr.l7 !== 'http' && pr.l7 !== 'kafka') continue;
    // Cilium's names: HTTP, Kafka, DNS; a generic l7proto rule keeps its field name.
    return pr.l7 === 'kafka' ? 'Kafka' : pr.l7 === 'l7proto' ? 'l7proto' : pr.l7.toUpperCase();
  }
  return undefined;
}

function readPeerRules(
  ctx: ReadContext,
  f: Fields,
  direction: 'ingress' | 'egress',
  deny: boolean,
): readonly PeerRule[] | null {
  const name = deny ? `${direction}Deny` : direction;
  const list = readList(ctx, f.get(name), f.at(name), name, []);
  if (list === null) return null;
  const out: PeerRule[] = [];
  list.forEach((item, index) => {
    const rule = readPeerRule(ctx, item, [...f.at(name), index], direction, deny, index);
    if (rule) out.push(rule);
  });
  return fitted(out);
}

function readPeerRule(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  direction: 'ingress' | 'egress',
  deny: boolean,
  index: number,
): PeerRule | null {
  const what = `a Cilium ${direction}${deny ? 'Deny' : ''} rule`;
  if (!isRecord(value)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `Each element of ${direction}${deny ? 'Deny' : ''} must be a mapping, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const known =
    direction === 'ingress'
      ? deny
        ? INGRESS_DENY_FIELDS
        : INGRESS_FIELDS
      : deny
        ? EGRESS_DENY_FIELDS
        : EGRESS_FIELDS;
  const f = readFields(ctx, value, path, known, what);
  const p = direction === 'ingress' ? 'from' : 'to';
  const endpoints = readSelectors(ctx, f, `${p}Endpoints`);
  const requires = readSelectors(ctx, f, `${p}Requires`);
  const nodes = readSelectors(ctx, f, `${p}Nodes`);
  const entities = readEntities(ctx, f, `${p}Entities`);
  const cidrs = readCidrs(ctx, f, p);
  const fqdns = direction === 'egress' && !deny ? readFqdns(ctx, f) : null;
  const services = direction === 'egress' ? readServices(ctx, f) : null;
  const groupsField = `${p}Groups`;
  const groups = f.has(groupsField);
  if (groups) {
    const list = readList(ctx, f.get(groupsField), f.at(groupsField), groupsField, []) ?? [];
    list.forEach((g, i) => {
      if (isRecord(g)) readFields(ctx, g, [...f.at(groupsField), i], GROUP_FIELDS, `a ${groupsField} entry`);
    });
    ctx.report(
      'NOT_MODELLED',
      'info',
      `${groupsField} (cloud provider security groups) cannot be resolved offline; this rule matches no peer here.`,
      f.at(groupsField),
      'Verify this rule against the live cluster.',
      { key: true },
    );
  }
  const toPorts: PortRule[] = [];
  const rawPorts = readList(ctx, f.get('toPorts'), f.at('toPorts'), 'toPorts', MALFORMED) ?? [];
  if (rawPorts === MALFORMED) return null;
  rawPorts.forEach((pr, i) => {
    const r = readPortRule(ctx, pr, [...f.at('toPorts'), i], direction, deny);
    if (r) toPorts.push(r);
  });
  // Dropping every port rule would leave no L4 restriction: drop the whole rule instead.
  if (rawPorts.length > 0 && toPorts.length === 0) return null;
  if (rawPorts.length > 0 && f.has('icmps')) {
    // cilium/cilium pkg/policy/api rule_validation.go (IngressRule/EgressRule sanitize): "The ICMPs block may
    // only be present without ToPorts. Define a separate rule to use ToPorts."
    ctx.report(
      'BAD_VALUE',
      'error',
      `An ${direction}${deny ? 'Deny' : ''} element with both icmps and toPorts is rejected by Cilium ("The ICMPs block may only be present without ToPorts"), so the policy is not imported; netpol leaves this element out.`,
      f.at('icmps'),
      'Move icmps into an element of its own with the same peers.',
      { key: true },
    );
    return null;
  }
  const icmps: ICMPField[] = [];
  let icmpsWithoutFields = false;
  const rawIcmps = readList(ctx, f.get('icmps'), f.at('icmps'), 'icmps', MALFORMED);
  if (rawIcmps === MALFORMED) return null;
  if (rawIcmps !== null) {
    let written = 0;
    rawIcmps.forEach((ir, i) => {
      const at: Path = [...f.at('icmps'), i];
      if (!isRecord(ir)) {
        ctx.report('BAD_VALUE', 'error', `An icmps entry must be a mapping, not ${typeName(ir)}.`, at);
        written++;
        return;
      }
      const icf = readFields(ctx, ir, at, ICMP_RULE_FIELDS, 'an icmps entry');
      const fields = readList(ctx, icf.get('fields'), icf.at('fields'), 'fields', []) ?? [];
      fields.forEach((field, j) => {
        written++;
        const icmp = readIcmpField(ctx, field, [...icf.at('fields'), j]);
        if (icmp) icmps.push(icmp);
      });
    });
    if (written > 0 && icmps.length === 0) return null;
    // Entries without fields are port rules without ports: the element then allows nothing (model.ts).
    icmpsWithoutFields = rawIcmps.length > 0 && written === 0;
  }
  let authentication: string | undefined;
  const af = readNestedFields(ctx, f, 'authentication', AUTH_FIELDS, 'authentication');
  if (af) {
    const mode = af.get('mode');
    if (typeof mode === 'string' && AUTH_MODES.has(mode)) authentication = mode;
    else {
      ctx.report(
        mode === undefined ? 'MISSING_FIELD' : 'BAD_VALUE',
        'error',
        mode === undefined
          ? 'authentication needs a mode.'
          : `authentication.mode ${show(mode)} is not one of disabled, required, test-always-fail.`,
        mode === undefined ? f.at('authentication') : af.at('mode'),
      );
    }
  }
  return {
    direction,
    deny,
    index,
    endpoints,
    requires,
    cidrs,
    entities,
    nodes,
    fqdns,
    services,
    groups,
    toPorts: fitted(toPorts),
    icmps: fitted(icmps),
    ...(icmpsWithoutFields ? { icmpsWithoutFields: true as const } : {}),
    ...(authentication !== undefined ? { authentication } : {}),
    source: ctx.source(path),
  };
}

function readSelectors(ctx: ReadContext, f: Fields, name: string): readonly LabelSelector[] | null {
  // A malformed list selects nothing (never "absent", which would not restrict).
  const list = readList(ctx, f.get(name), f.at(name), name, []);
  if (list === null) return null;
  const out: LabelSelector[] = [];
  list.forEach((s, i) => {
    const sel = readLabelSelector(ctx, s, [...f.at(name), i], 'cilium');
    if (sel) out.push(sel);
  });
  return fitted(out);
}

function readEntities(ctx: ReadContext, f: Fields, name: string): Entity[] | null {
  const list = readList(ctx, f.get(name), f.at(name), name, []);
  if (list === null) return null;
  const out: Entity[] = [];
  list.forEach((e, i) => {
    if (isEntity(e)) {
      out.push(e);
      return;
    }
    const suggestion = typeof e === 'string' ? closest(e, ENTITIES) : undefined;
    ctx.report(
      'BAD_ENTITY',
      'error',
      `Entity ${show(e)} is not one of Cilium's entities.`,
      [...f.at(name), i],
      suggestion !== undefined ? `Did you mean "${suggestion}"?` : `Entities are: ${ENTITIES.join(', ')}.`,
    );
  });
  return out;
}

/**
 * Reads one CIDR string (a bare IP is a /32 or /128): the parsed CIDR, the text when it holds a `${var}`
 * placeholder, or null after a `BAD_CIDR` error.
 */
export function readCidrText(
  ctx: ReadContext,
  value: unknown,
  path: Path,
): { parsed: ParsedCidr } | { unresolved: string } | null {
  if (typeof value !== 'string') {
    ctx.report('BAD_CIDR', 'error', `A CIDR must be a string, not ${typeName(value)}.`, path);
    return null;
  }
  if (hasPlaceholder(value)) return { unresolved: value };
  const r = parseCidr(value, { bareIp: true });
  if (!r.ok) {
    ctx.report(
      'BAD_CIDR',
      'error',
      `"${value}" is not a valid CIDR: ${r.reason}.`,
      path,
      'Write it as address/prefix, e.g. 10.0.0.0/8.',
    );
    return null;
  }
  return { parsed: r.value };
}

function readCidrs(ctx: ReadContext, f: Fields, p: 'from' | 'to'): readonly CIDRRule[] | null {
  const plain = readList(ctx, f.get(`${p}CIDR`), f.at(`${p}CIDR`), `${p}CIDR`, []);
  const sets = readList(ctx, f.get(`${p}CIDRSet`), f.at(`${p}CIDRSet`), `${p}CIDRSet`, []);
  if (plain === null && sets === null) return null;
  const out: CIDRRule[] = [];
  (plain ?? []).forEach((c, i) => {
    const at: Path = [...f.at(`${p}CIDR`), i];
    const r = readCidrText(ctx, c, at);
    if (!r) return;
    out.push(
      'parsed' in r
        ? { cidr: r.parsed.cidr, except: [], source: ctx.source(at) }
        : { cidr: r.unresolved, except: [], unresolved: true, source: ctx.source(at) },
    );
  });
  (sets ?? []).forEach((s, i) => {
    const rule = readCidrSet(ctx, s, [...f.at(`${p}CIDRSet`), i]);
    if (rule) out.push(rule);
  });
  return fitted(out);
}

function readCidrSet(ctx: ReadContext, value: unknown, path: Path): CIDRRule | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_CIDR',
      'error',
      `A CIDR set entry must be a mapping with cidr and except, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const f = readFields(ctx, value, path, CIDR_SET_FIELDS, 'a CIDR set entry');
  const given = ['cidr', 'cidrGroupRef', 'cidrGroupSelector'].filter((n) => f.has(n));
  if (given.length === 0) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      'A CIDR set entry needs cidr, cidrGroupRef or cidrGroupSelector.',
      path,
    );
    return null;
  }
  if (given.length > 1) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `A CIDR set entry sets ${given.join(' and ')}; Cilium accepts exactly one.`,
      f.at(given[1] as string),
      undefined,
      { key: true },
    );
    return null;
  }
  let groupSelector: LabelSelector | undefined;
  if (f.has('cidrGroupSelector')) {
    const sel = readLabelSelector(ctx, f.get('cidrGroupSelector'), f.at('cidrGroupSelector'), 'cilium');
    if (!sel) return null;
    groupSelector = sel;
  }
  let outer: ParsedCidr | null = null;
  let cidrText = '';
  let unresolved = false;
  let groupRef: string | undefined;
  if (f.has('cidr')) {
    const r = readCidrText(ctx, f.get('cidr'), f.at('cidr'));
    if (!r) return null;
    if ('parsed' in r) {
      outer = r.parsed;
      cidrText = r.parsed.cidr;
    } else {
      cidrText = r.unresolved;
      unresolved = true;
    }
  } else if (groupSelector === undefined) {
    groupRef = readString(ctx, f.get('cidrGroupRef'), f.at('cidrGroupRef'), 'cidrGroupRef');
    if (groupRef === undefined) return null;
    if (!hasPlaceholder(groupRef) && !isDnsSubdomain(groupRef)) {
      ctx.report(
        'BAD_VALUE',
        'error',
        `cidrGroupRef "${groupRef}" is not a valid object name.`,
        f.at('cidrGroupRef'),
      );
      return null;
    }
  }
  const except: string[] = [];
  const rawExcept = readList(ctx, f.get('except'), f.at('except'), 'except', []) ?? [];
  rawExcept.forEach((e, i) => {
    const at: Path = [...f.at('except'), i];
    const r = readCidrText(ctx, e, at);
    if (!r) return;
    if (!('parsed' in r)) {
      except.push(r.unresolved);
      return;
    }
    if (outer && !cidrContains(outer, r.parsed)) {
      ctx.report(
        'BAD_CIDR',
        'error',
        `except "${String(e)}" is not inside "${outer.cidr}".`,
        at,
        'An except CIDR must lie inside the CIDR it carves out of.',
      );
      return;
    }
    except.push(r.parsed.cidr);
  });
  return {
    cidr: cidrText,
    except,
    ...(groupRef !== undefined ? { cidrGroupRef: groupRef } : {}),
    ...(groupSelector !== undefined ? { cidrGroupSelector: groupSelector } : {}),
    ...(unresolved ? { unresolved: true } : {}),
    source: ctx.source(path),
  };
}

function readFqdns(ctx: ReadContext, f: Fields): FQDNSelector[] | null {
  const list = readList(ctx, f.get('toFQDNs'), f.at('toFQDNs'), 'toFQDNs', []);
  if (list === null) return null;
  const out: FQDNSelector[] = [];
  list.forEach((item, i) => {
    const at: Path = [...f.at('toFQDNs'), i];
    const sel = readFqdnSelector(ctx, item, at, 'a toFQDNs entry');
    if (sel) out.push(withFields(sel, { source: ctx.source(at) }));
  });
  return out;
}

function readFqdnSelector(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  what: string,
): { matchName?: string; matchPattern?: string } | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `${what} must be a mapping with matchName or matchPattern, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const f = readFields(ctx, value, path, FQDN_FIELDS, what);
  const name = f.get('matchName');
  const pattern = f.get('matchPattern');
  if ((name === undefined || name === null) === (pattern === undefined || pattern === null)) {
    ctx.report(
      name === undefined || name === null ? 'MISSING_FIELD' : 'BAD_VALUE',
      'error',
      name === undefined || name === null
        ? `${what} needs matchName or matchPattern.`
        : `${what} sets both matchName and matchPattern; use one.`,
      path,
    );
    return null;
  }
  const field = name !== undefined && name !== null ? 'matchName' : 'matchPattern';
  const text = f.get(field);
  const re = field === 'matchName' ? FQDN_NAME : FQDN_PATTERN;
  if (typeof text !== 'string' || text.length > 255 || !(re.test(text) || hasPlaceholder(text))) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `${field} ${show(text)} is not a valid DNS ${field === 'matchName' ? 'name' : 'pattern'}.`,
      f.at(field),
      field === 'matchName'
        ? 'Use letters, digits, "-", "_" and ".".'
        : 'Use letters, digits, "-", "_", "." and "*".',
    );
    return null;
  }
  return field === 'matchName' ? { matchName: text } : { matchPattern: text };
}

function readServices(ctx: ReadContext, f: Fields): ServiceSelector[] | null {
  const list = readList(ctx, f.get('toServices'), f.at('toServices'), 'toServices', []);
  if (list === null) return null;
  const out: ServiceSelector[] = [];
  list.forEach((item, i) => {
    const at: Path = [...f.at('toServices'), i];
    if (!isRecord(item)) {
      ctx.report('BAD_VALUE', 'error', `A toServices entry must be a mapping, not ${typeName(item)}.`, at);
      return;
    }
    const sf = readFields(ctx, item, at, SERVICE_FIELDS, 'a toServices entry');
    const out1: { name?: string; namespace?: string; selector?: LabelSelector } = {};
    const svc = sf.get('k8sService');
    if (isRecord(svc)) {
      const kf = readFields(ctx, svc, sf.at('k8sService'), K8S_SERVICE_FIELDS, 'k8sService');
      const name = readString(ctx, kf.get('serviceName'), kf.at('serviceName'), 'serviceName');
      const ns = readString(ctx, kf.get('namespace'), kf.at('namespace'), 'namespace');
      if (name !== undefined) out1.name = name;
      if (ns !== undefined) out1.namespace = ns;
    } else if (svc !== undefined && svc !== null) {
      ctx.report(
        'BAD_VALUE',
        'error',
        `k8sService must be a mapping, not ${typeName(svc)}.`,
        sf.at('k8sService'),
      );
      return;
    }
    const bySel = sf.get('k8sServiceSelector');
    if (isRecord(bySel)) {
      const kf = readFields(
        ctx,
        bySel,
        sf.at('k8sServiceSelector'),
        K8S_SERVICE_SELECTOR_FIELDS,
        'k8sServiceSelector',
      );
      if (!kf.has('selector')) {
        ctx.report(
          'MISSING_FIELD',
          'error',
          'k8sServiceSelector needs a selector.',
          sf.at('k8sServiceSelector'),
        );
        return;
      }
      const sel = readLabelSelector(ctx, kf.get('selector'), kf.at('selector'), 'cilium');
      if (!sel) return;
      out1.selector = sel;
      const ns = readString(ctx, kf.get('namespace'), kf.at('namespace'), 'namespace');
      if (ns !== undefined && out1.namespace === undefined) out1.namespace = ns;
    } else if (bySel !== undefined && bySel !== null) {
      ctx.report(
        'BAD_VALUE',
        'error',
        `k8sServiceSelector must be a mapping, not ${typeName(bySel)}.`,
        sf.at('k8sServiceSelector'),
      );
      return;
    }
    out.push({ ...out1, source: ctx.source(at) });
  });
  return out;
}

function readPortRule(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  direction: 'ingress' | 'egress',
  deny: boolean,
): PortRule | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `A toPorts entry must be a mapping with ports, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const f = readFields(
    ctx,
    value,
    path,
    deny ? PORT_DENY_RULE_FIELDS : PORT_RULE_FIELDS,
    `a toPorts entry${deny ? ' of a deny rule' : ''}`,
  );
  const ports: PortProtocol[] = [];
  const raw = readList(ctx, f.get('ports'), f.at('ports'), 'ports', MALFORMED);
  if (raw === MALFORMED) return null;
  if (raw !== null) {
    raw.forEach((p, i) => {
      const port = readPort(ctx, p, [...f.at('ports'), i]);
      if (port) ports.push(port);
    });
    if (raw.length > 0 && ports.length === 0) return null;
  }
  const l7read = readL7(ctx, f, direction);
  const l7 = l7read.kind;
  const serverNames: string[] = [];
  const names = readList(ctx, f.get('serverNames'), f.at('serverNames'), 'serverNames', []) ?? [];
  names.forEach((n, i) => {
    if (typeof n === 'string' && n.length <= 255 && SERVER_NAME.test(n)) serverNames.push(n);
    else {
      ctx.report('BAD_VALUE', 'error', `serverNames entry ${show(n)} is not a valid TLS server name.`, [
        ...f.at('serverNames'),
        i,
      ]);
    }
  });
  let listener = false;
  const lf = readNestedFields(ctx, f, 'listener', LISTENER_FIELDS, 'a listener');
  if (lf) {
    const ec = lf.get('envoyConfig');
    if (!lf.has('name') || !lf.has('envoyConfig')) {
      ctx.report('MISSING_FIELD', 'error', 'A listener needs envoyConfig and name.', f.at('listener'));
    } else if (isRecord(ec)) {
      readFields(ctx, ec, lf.at('envoyConfig'), ENVOY_CONFIG_FIELDS, 'envoyConfig');
    }
    listener = true;
  }
  return {
    ports: fitted(ports),
    l7,
    ...(l7read.http ? { http: l7read.http } : {}),
    ...(l7read.dns ? { dns: l7read.dns } : {}),
    serverNames,
    listener,
    source: ctx.source(path),
  };
}

/** What {@link readL7} returns: the kind of L7 rules of a port rule, with the HTTP and DNS rules read. */
interface L7Read {
  readonly kind: L7Kind | null;
  readonly http?: HTTPRule[];
  readonly dns?: DNSRule[];
}

const NO_L7: L7Read = { kind: null };

function readL7(ctx: ReadContext, f: Fields, direction: 'ingress' | 'egress'): L7Read {
  const rules = f.get('rules');
  if (rules === undefined || rules === null) return NO_L7;
  if (!isRecord(rules)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `rules must be a mapping (http, dns, kafka or l7proto), not ${typeName(rules)}.`,
      f.at('rules'),
    );
    return NO_L7;
  }
  const rf = readFields(ctx, rules, f.at('rules'), L7_RULES_FIELDS, 'L7 rules');
  const http: HTTPRule[] = [];
  const dnsRules: DNSRule[] = [];
  const kinds = (['http', 'kafka', 'dns', 'l7proto'] as const).filter((k) => rf.has(k));
  if (kinds.length > 1) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `rules sets ${kinds.join(' and ')}; Cilium accepts one kind of L7 rule per port rule.`,
      f.at('rules'),
    );
  }
  for (const [kind, known] of [
    ['http', HTTP_FIELDS],
    ['kafka', KAFKA_FIELDS],
  ] as const) {
    const list = readList(ctx, rf.get(kind), rf.at(kind), kind, []) ?? [];
    list.forEach((r, i) => {
      const at: Path = [...rf.at(kind), i];
      if (!isRecord(r)) {
        ctx.report('BAD_VALUE', 'error', `An ${kind} rule must be a mapping, not ${typeName(r)}.`, at);
        return;
      }
      const hf = readFields(ctx, r, at, known, `an ${kind} rule`);
      if (kind === 'http') {
        const rule = readHttpRule(ctx, hf, at);
        if (rule) http.push(rule);
      }
      if (kind === 'kafka') {
        const role = hf.get('role');
        if (role !== undefined && role !== 'produce' && role !== 'consume') {
          ctx.report(
            'BAD_VALUE',
            'error',
            `Kafka role ${show(role)} is not produce or consume.`,
            hf.at('role'),
          );
        }
      }
    });
  }
  const dns = readList(ctx, rf.get('dns'), rf.at('dns'), 'dns', []) ?? [];
  dns.forEach((d, i) => {
    const at: Path = [...rf.at('dns'), i];
    const sel = readFqdnSelector(ctx, d, at, 'a dns rule');
    if (sel) dnsRules.push(withFields(sel, { source: ctx.source(at) }));
  });
  if (rf.has('dns') && direction === 'ingress') {
    ctx.report('BAD_VALUE', 'error', 'DNS rules are only allowed on egress.', rf.at('dns'), undefined, {
      key: true,
    });
  }
  const kind = kinds[0] ?? null;
  return {
    kind,
    ...(kind === 'http' ? { http } : {}),
    ...(kind === 'dns' ? { dns: dnsRules } : {}),
  };
}

const HEADER_MATCH_FIELDS = new FieldSet(['mismatch', 'name', 'secret', 'value']);

/**
 * One `rules.http` entry: `method`, `path` and `host` must be RE2 regular expressions (Envoy compiles them
 * with RE2 and rejects the policy otherwise; JavaScript syntax such as lookahead is not RE2), `headers`
 * strings, `headerMatches` `{name, value | secret, mismatch}`.
 */
function readHttpRule(ctx: ReadContext, hf: Fields, at: Path): HTTPRule | null {
  const out: {
    method?: string;
    path?: string;
    host?: string;
    headers: string[];
    headerMatches: HTTPRule['headerMatches'][number][];
  } = { headers: [], headerMatches: [] };
  for (const field of ['method', 'path', 'host'] as const) {
    const v = hf.get(field);
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') {
      ctx.report('BAD_VALUE', 'error', `http ${field} must be a string, not ${typeName(v)}.`, hf.at(field));
      return null;
    }
    const problem = re2Problem(v);
    if (problem !== null) {
      ctx.report(
        'BAD_VALUE',
        'error',
        `http ${field} ${show(v)} is not an RE2 regular expression (${problem}); Cilium's proxy rejects it.`,
        hf.at(field),
        'Cilium matches method, path and host with RE2 (Go/Envoy syntax): no lookaround or backreferences.',
      );
      return null;
    }
    out[field] = v;
  }
  const headers = readList(ctx, hf.get('headers'), hf.at('headers'), 'headers', []) ?? [];
  headers.forEach((h, i) => {
    if (typeof h === 'string' && h.trim() !== '') out.headers.push(h);
    else
      ctx.report('BAD_VALUE', 'error', `A headers entry must be a string, not ${typeName(h)}.`, [
        ...hf.at('headers'),
        i,
      ]);
  });
  const matches = readList(ctx, hf.get('headerMatches'), hf.at('headerMatches'), 'headerMatches', []) ?? [];
  matches.forEach((m, i) => {
    const mat: Path = [...hf.at('headerMatches'), i];
    if (!isRecord(m)) {
      ctx.report('BAD_VALUE', 'error', `A headerMatches entry must be a mapping, not ${typeName(m)}.`, mat);
      return;
    }
    const mf = readFields(ctx, m, mat, HEADER_MATCH_FIELDS, 'a headerMatches entry');
    const name = mf.get('name');
    if (typeof name !== 'string' || name === '') {
      ctx.report('MISSING_FIELD', 'error', 'A headerMatches entry needs a name.', mat);
      return;
    }
    const value = mf.get('value');
    const mismatch = mf.get('mismatch');
    out.headerMatches.push({
      name,
      ...(typeof value === 'string' && value !== '' ? { value } : {}),
      secret: mf.has('secret'),
      ...(typeof mismatch === 'string' && mismatch !== '' ? { mismatch } : {}),
    });
  });
  return withFields(out, { source: ctx.source(at) });
}

function readPort(ctx: ReadContext, value: unknown, path: Path): PortProtocol | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_PORT',
      'error',
      `A ports entry must be a mapping with port and protocol, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const f = readFields(ctx, value, path, PORT_FIELDS, 'a ports entry');
  let protocol: PolicyProtocol = 'ANY';
  const proto = f.get('protocol');
  if (proto !== undefined && proto !== null && proto !== '') {
    const p = typeof proto === 'string' && ctx.foldCase ? proto.toUpperCase() : proto;
    if (typeof p !== 'string' || !PROTOCOLS.has(p)) {
      ctx.report(
        'BAD_PROTOCOL',
        'error',
        `Protocol ${show(proto)} is not one of TCP, UDP, SCTP, ANY.`,
        f.at('protocol'),
        typeof proto === 'string' && PROTOCOLS.has(proto.toUpperCase())
          ? `Write it in capitals: ${proto.toUpperCase()}.`
          : 'Omit protocol for ANY; ICMP needs an icmps rule instead.',
      );
      return null;
    }
    protocol = p as PolicyProtocol;
  }
  const raw = f.get('port');
  if (raw === undefined || raw === null) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      'A ports entry has no port.',
      path,
      'Add `port: "0"` for all ports.',
    );
    return null;
  }
  let port: number | string;
  if (typeof raw === 'string' && hasPlaceholder(raw)) {
    // An unresolved variable: kept as a name no container port has, so it matches nothing.
    port = raw;
  } else {
    const r = parseCiliumPort(raw);
    if (!r.ok) {
      ctx.report('BAD_PORT', 'error', `Port ${show(raw)} is invalid: ${r.reason}.`, f.at('port'));
      return null;
    }
    port = r.value;
    if (typeof raw === 'number') {
      ctx.report(
        'BAD_PORT',
        'warning',
        `Port ${raw} is written as a number; the CiliumNetworkPolicy schema wants a string and the API server rejects it.`,
        f.at('port'),
        `Quote it: port: "${raw}".`,
      );
    }
  }
  const rawEnd = f.get('endPort');
  let endPort: number | undefined;
  if (
    rawEnd !== undefined &&
    rawEnd !== null &&
    rawEnd !== 0 &&
    !(typeof rawEnd === 'string' && hasPlaceholder(rawEnd))
  ) {
    if (typeof rawEnd !== 'number' || !Number.isInteger(rawEnd) || rawEnd < 0 || rawEnd > 65535) {
      ctx.report(
        'BAD_PORT',
        'error',
        `endPort ${show(rawEnd)} must be a number between 0 and 65535.`,
        f.at('endPort'),
      );
      return null;
    }
    if (typeof port === 'string') {
      ctx.report(
        'BAD_PORT',
        'error',
        `endPort needs a numeric port, not the named port "${port}".`,
        f.at('endPort'),
      );
      return null;
    }
    if (rawEnd < port) {
      ctx.report(
        'BAD_PORT',
        'error',
        `endPort ${rawEnd} is below port ${port}.`,
        f.at('endPort'),
        'endPort must be at least port.',
      );
      return null;
    }
    endPort = rawEnd;
  }
  return { port, ...(endPort !== undefined ? { endPort } : {}), protocol, source: ctx.source(path) };
}

function readIcmpField(ctx: ReadContext, value: unknown, path: Path): ICMPField | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `An ICMP field must be a mapping with family and type, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const f = readFields(ctx, value, path, ICMP_FIELD_FIELDS, 'an ICMP field');
  let family: 'IPv4' | 'IPv6' = 'IPv4';
  const fam = f.get('family');
  if (fam !== undefined && fam !== null) {
    if (fam !== 'IPv4' && fam !== 'IPv6') {
      ctx.report('BAD_VALUE', 'error', `ICMP family ${show(fam)} is not IPv4 or IPv6.`, f.at('family'));
      return null;
    }
    family = fam;
  }
  const t = f.get('type');
  if (t === undefined || t === null) {
    ctx.report('MISSING_FIELD', 'error', 'An ICMP field has no type.', path);
    return null;
  }
  const asNumber = typeof t === 'string' && /^[0-9]+$/.test(t) ? Number(t) : t;
  if (typeof asNumber === 'number' && Number.isInteger(asNumber) && asNumber >= 0 && asNumber <= 255) {
    return { family, type: asNumber, source: ctx.source(path) };
  }
  if (typeof t === 'string' && ICMP_TYPE_NAMES[family].has(t))
    return { family, type: t, source: ctx.source(path) };
  const suggestion = typeof t === 'string' ? closest(t, ICMP_TYPE_NAMES[family]) : undefined;
  ctx.report(
    'BAD_VALUE',
    'error',
    `ICMP type ${show(t)} is not a number 0-255 or an ${family} type name.`,
    f.at('type'),
    suggestion !== undefined ? `Did you mean "${suggestion}"?` : undefined,
  );
  return null;
}
