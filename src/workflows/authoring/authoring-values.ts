import { parseAllDocuments } from 'yaml';
import type { Entity } from '../../repo/model.js';
import { isDnsLabel, isDnsSubdomain, labelKeyProblem, labelValueProblem } from '../../repo/values.js';
import { badArgument, parsePortSpec } from './port-values.js';
import type { PeerPortRule } from './render.js';

export { parsePortNumber, parsePortSpec } from './port-values.js';

/** Entities a service-specific rule may name as `ENTITY:PORT` (never `all`: that is any peer). */
export const RULE_ENTITIES: readonly Entity[] = ['world', 'kube-apiserver', 'host', 'remote-node', 'cluster'];

/**
 * Parses a service-specific rule peer and port: `NS:PORT[/PROTO]` (every pod of namespace NS),
 * `NS/key=value[,key=value]:PORT[/PROTO]` (pods with those labels) or `ENTITY:PORT[/PROTO]` for the
 * entities {@link RULE_ENTITIES}.
 * @param text - The text, e.g. `monitoring:9090` or `world:443`.
 * @param what - The flag, for the message.
 * @returns The rule.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for a bad namespace, label or port.
 */
export function parsePeerPort(text: string, what: string): PeerPortRule {
  const colon = text.lastIndexOf(':');
  const hint = `Write NS:PORT[/PROTO], NS/key=value:PORT or ENTITY:PORT (entities: ${RULE_ENTITIES.join(', ')}).`;
  if (colon <= 0) throw badArgument(`${what} "${text}" is not NS:PORT.`, hint);
  const peerText = text.slice(0, colon);
  const ports = [parsePortSpec(text.slice(colon + 1), what)];
  if ((RULE_ENTITIES as readonly string[]).includes(peerText)) {
    return { peer: { kind: 'entity', entity: peerText as Entity }, ports };
  }
  const slash = peerText.indexOf('/');
  const namespace = slash === -1 ? peerText : peerText.slice(0, slash);
  checkNamespaceName(namespace, what);
  const labels: Record<string, string> = {};
  if (slash !== -1) {
    for (const pair of peerText.slice(slash + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw badArgument(`${what} "${text}": "${pair}" is not key=value.`, hint);
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const problem = labelKeyProblem(key) ?? labelValueProblem(value);
      if (problem) throw badArgument(`${what} "${text}": ${problem}.`, hint);
      labels[key] = value;
    }
  }
  return { peer: { kind: 'pods', namespace, labels }, ports };
}

/**
 * Checks a namespace name (a DNS-1123 label).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when invalid.
 */
export function checkNamespaceName(name: string, what: string): void {
  if (!isDnsLabel(name)) {
    throw badArgument(
      `${what} "${name}" is not a namespace name.`,
      'Namespace names have at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
    );
  }
}

/**
 * Checks an access grant name: the name part of the label key `access.<domain>/<name>`.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when invalid.
 */
export function checkGrantName(name: string, what: string): void {
  const problem = labelKeyProblem(`x/${name}`);
  if (problem)
    throw badArgument(
      `${what} "${name}" cannot be an access grant name: ${problem}.`,
      'Use e.g. postgres or garage-s3.',
    );
}

/**
 * Checks the name of a new access grant or shared resource: besides the label key `access.<domain>/<name>`,
 * it names the CiliumClusterwideNetworkPolicy `access-<name>` and the file `<name>.yaml`, so it must be a
 * DNS-1123 label (as Kubernetes requires of object names: lowercase letters, digits and `-`).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when invalid.
 */
export function checkNewGrantName(name: string, what: string): void {
  checkGrantName(name, what);
  if (!isDnsLabel(name)) {
    throw badArgument(
      `${what} "${name}" cannot name the CiliumClusterwideNetworkPolicy "access-${name}": Kubernetes object names are lowercase letters, digits and "-".`,
      'Use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. postgres or garage-s3.',
    );
  }
}

/** `kind/namespace/name` of every object of a YAML text, with its name and namespace. */
function objectsOf(text: string): { kind: string; name: string; namespace: unknown; key: string }[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((doc) => {
    const kind = doc.get('kind');
    const name = doc.getIn(['metadata', 'name']);
    if (typeof kind !== 'string' || typeof name !== 'string') return [];
    const namespace = doc.getIn(['metadata', 'namespace']);
    return [{ kind, name, namespace, key: `${kind}/${String(namespace ?? '')}/${name}` }];
  });
}

/**
 * Checks every object name an authoring command is about to write for the first time (objects of `after`
 * that `before` lacks): a Namespace's name must be a DNS-1123 label, any other object's a DNS-1123
 * subdomain, and `metadata.namespace` a DNS-1123 label, as Kubernetes (and `netpol lint`) require.
 * @param file - The file, for the message.
 * @param before - Its content on disk, or null when it is created.
 * @param after - Its planned content.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` naming the first invalid name.
 */
export function checkDerivedNames(file: string, before: string | null, after: string): void {
  const old = new Set(before === null ? [] : objectsOf(before).map((o) => o.key));
  for (const o of objectsOf(after)) {
    if (old.has(o.key)) continue;
    const nameOk = o.kind === 'Namespace' ? isDnsLabel(o.name) : isDnsSubdomain(o.name);
    const ns = o.namespace;
    const nsOk = ns === undefined || ns === null || (typeof ns === 'string' && isDnsLabel(ns));
    if (nameOk && nsOk) continue;
    const value = nameOk ? `namespace "${String(ns)}"` : `name "${o.name}"`;
    throw badArgument(
      `netpol would write the ${o.kind} "${o.name}" into "${file}", but its ${value} is not valid in Kubernetes.`,
      'Names are lowercase letters, digits, "-" (and "." except for namespaces); rename the value it came from.',
    );
  }
}

/**
 * Checks a label domain: `<domain>/profile` and `access.<domain>/<name>` must be valid label keys.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when invalid.
 */
export function checkDomain(domain: string, what: string): void {
  if (!isDnsSubdomain(domain) || domain.length + 'access.'.length > 253) {
    throw badArgument(
      `${what} "${domain}" is not a label domain.`,
      'A domain is a DNS subdomain such as network-policy.homelab (lowercase letters, digits, "-" and ".").',
    );
  }
}

/**
 * Checks a label value (e.g. a gateway name).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when invalid or empty.
 */
export function checkLabelValue(value: string, what: string): void {
  const problem = value === '' ? 'it is empty' : labelValueProblem(value);
  if (problem)
    throw badArgument(
      `${what} "${value}" is not a label value: ${problem}.`,
      'Use letters, digits, "-", "_" and ".".',
    );
}
