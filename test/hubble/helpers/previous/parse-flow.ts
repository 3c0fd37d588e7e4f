// The Hubble flow normaliser as it was before the streaming speed-up (issue 13): a frozen oracle for the
// equivalence properties of test/hubble/fast-conversion.test.ts. Do not change or import it elsewhere.
import {
  type EnumValue,
  enumName,
  HubbleDropReason,
  type HubbleEndpoint,
  type HubbleFlow,
  HubbleFlowType,
  type HubbleICMP,
  type HubbleIP,
  HubbleIPVersion,
  type HubbleLayer4,
  type HubbleLayer7,
  type HubblePolicyRef,
  type HubblePorts,
  type HubbleTCPFlags,
  HubbleTrafficDirection,
  HubbleVerdict,
} from '../../../../src/hubble/types.js';

/** The result of {@link normalizeFlow}: the flow, or why the object is not a valid flow. */
export type NormalizeResult =
  | { readonly ok: true; readonly flow: HubbleFlow }
  | { readonly ok: false; readonly reason: string };

/** Thrown inside the normaliser when a field has the wrong type; turned into a reason, never escapes. */
class FlowShapeError extends Error {}

type JsonObject = Record<string, unknown>;

/**
 * Converts a decoded Hubble flow object (from JSON in either spelling, or from the gRPC decoder) into a
 * {@link HubbleFlow}: enums to names, timestamps to RFC 3339, `BoolValue` to boolean, uint64 strings to numbers,
 * `drop_reason` and `drop_reason_desc` each filled from the other. `outer` carries the wrapper's `node_name` and
 * `time`, used when the flow itself lacks them.
 *
 * @param raw - the flow object.
 * @param outer - the enclosing `GetFlowsResponse` fields, if any.
 * @returns `{ ok: true, flow }`, or `{ ok: false, reason }` naming the offending field.
 */
export function normalizeFlow(
  raw: unknown,
  outer?: { node_name?: unknown; time?: unknown },
): NormalizeResult {
  try {
    return { ok: true, flow: buildFlow(asObject(raw, 'flow'), outer) };
  } catch (error) {
    if (error instanceof FlowShapeError) return { ok: false, reason: error.message };
    throw error;
  }
}

function buildFlow(f: JsonObject, outer?: { node_name?: unknown; time?: unknown }): HubbleFlow {
  const verdict = optEnum(f.verdict, HubbleVerdict, 'flow', 'verdict') ?? 'VERDICT_UNKNOWN';
  let dropReason = optNumber(f.drop_reason ?? f.dropReason, 'flow', 'drop_reason');
  let dropReasonDesc = optEnum(
    f.drop_reason_desc ?? f.dropReasonDesc,
    HubbleDropReason,
    'flow',
    'drop_reason_desc',
  );
  if (dropReasonDesc === undefined && dropReason !== undefined && dropReason !== 0) {
    dropReasonDesc = enumName(HubbleDropReason, dropReason);
  }
  if (dropReason === undefined && dropReasonDesc !== undefined) {
    const known = (HubbleDropReason as Readonly<Record<string, number>>)[dropReasonDesc];
    if (known !== undefined) dropReason = known;
    else if (/^\d+$/.test(dropReasonDesc)) dropReason = Number(dropReasonDesc);
  }
  const time = optTimestamp(f.time, 'flow', 'time') ?? optTimestamp(outer?.time, 'time');
  const nodeName =
    optString(f.node_name ?? f.nodeName, 'flow', 'node_name') ?? optString(outer?.node_name, 'node_name');
  const flow: Record<string, unknown> = { verdict };
  setIf(flow, 'time', time);
  setIf(flow, 'uuid', optString(f.uuid, 'flow', 'uuid'));
  setIf(flow, 'drop_reason', dropReason);
  setIf(flow, 'drop_reason_desc', dropReasonDesc);
  setIf(
    flow,
    'traffic_direction',
    optEnum(f.traffic_direction ?? f.trafficDirection, HubbleTrafficDirection, 'flow', 'traffic_direction'),
  );
  setIf(flow, 'is_reply', optBool(f.is_reply ?? f.isReply, 'flow', 'is_reply'));
  setIf(flow, 'IP', optIP(f.IP));
  setIf(flow, 'l4', optLayer4(f.l4));
  setIf(flow, 'l7', optLayer7(f.l7));
  setIf(flow, 'source', optEndpoint(f.source, 'flow.source'));
  setIf(flow, 'destination', optEndpoint(f.destination, 'flow.destination'));
  setIf(flow, 'Type', optEnum(f.Type, HubbleFlowType, 'flow', 'Type'));
  setIf(flow, 'node_name', nodeName);
  setIf(flow, 'source_names', optStringArray(f.source_names ?? f.sourceNames, 'flow', 'source_names'));
  setIf(
    flow,
    'destination_names',
    optStringArray(f.destination_names ?? f.destinationNames, 'flow', 'destination_names'),
  );
  setIf(flow, 'source_service', optService(f.source_service ?? f.sourceService, 'flow.source_service'));
  setIf(
    flow,
    'destination_service',
    optService(f.destination_service ?? f.destinationService, 'flow.destination_service'),
  );
  setIf(flow, 'event_type', optEventType(f.event_type ?? f.eventType));
  setIf(
    flow,
    'egress_allowed_by',
    optPolicies(f.egress_allowed_by ?? f.egressAllowedBy, 'egress_allowed_by'),
  );
  setIf(
    flow,
    'ingress_allowed_by',
    optPolicies(f.ingress_allowed_by ?? f.ingressAllowedBy, 'ingress_allowed_by'),
  );
  setIf(flow, 'egress_denied_by', optPolicies(f.egress_denied_by ?? f.egressDeniedBy, 'egress_denied_by'));
  setIf(
    flow,
    'ingress_denied_by',
    optPolicies(f.ingress_denied_by ?? f.ingressDeniedBy, 'ingress_denied_by'),
  );
  setIf(flow, 'Summary', optString(f.Summary, 'flow', 'Summary'));
  return flow as unknown as HubbleFlow;
}

// Every helper takes the path of the enclosing object and the key separately, so a field's path string is only
// built when it is reported; nested objects get their (static) path from the caller.

function setIf(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function optIP(value: unknown): HubbleIP | undefined {
  if (value === undefined || value === null) return undefined;
  const o = asObject(value, 'flow', 'IP');
  const ip: Record<string, unknown> = {};
  setIf(ip, 'source', optString(o.source, 'flow.IP', 'source'));
  setIf(ip, 'destination', optString(o.destination, 'flow.IP', 'destination'));
  setIf(ip, 'ipVersion', optEnum(o.ipVersion ?? o.ip_version, HubbleIPVersion, 'flow.IP', 'ipVersion'));
  setIf(ip, 'encrypted', optBool(o.encrypted, 'flow.IP', 'encrypted'));
  return ip as HubbleIP;
}

const TCP_FLAGS = new Set(['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR', 'NS']);

function optPorts(
  value: unknown,
  path: string,
  withFlags: boolean,
): HubblePorts & { flags?: HubbleTCPFlags } {
  const o = asObject(value, path);
  const ports: Record<string, unknown> = {};
  setIf(ports, 'source_port', optNumber(o.source_port ?? o.sourcePort, path, 'source_port'));
  setIf(
    ports,
    'destination_port',
    optNumber(o.destination_port ?? o.destinationPort, path, 'destination_port'),
  );
  if (withFlags && o.flags !== undefined && o.flags !== null) {
    const flags = asObject(o.flags, path, 'flags');
    const kept: Record<string, boolean> = {};
    for (const name in flags) {
      const flag = flags[name];
      if (flag === undefined || flag === null || !TCP_FLAGS.has(name)) continue;
      if (typeof flag !== 'boolean') throw shapeError(path, flag, 'a boolean', `flags.${name}`);
      if (flag) kept[name] = true;
    }
    ports.flags = kept;
  }
  return ports;
}

function optICMP(value: unknown, path: string): HubbleICMP {
  const o = asObject(value, path);
  const icmp: Record<string, unknown> = {};
  setIf(icmp, 'type', optNumber(o.type, path, 'type'));
  setIf(icmp, 'code', optNumber(o.code, path, 'code'));
  return icmp;
}

function optLayer4(value: unknown): HubbleLayer4 | undefined {
  if (value === undefined || value === null) return undefined;
  const o = asObject(value, 'flow', 'l4');
  if (o.TCP != null) return { TCP: optPorts(o.TCP, 'flow.l4.TCP', true) };
  if (o.UDP != null) return { UDP: optPorts(o.UDP, 'flow.l4.UDP', false) };
  if (o.SCTP != null) return { SCTP: optPorts(o.SCTP, 'flow.l4.SCTP', false) };
  if (o.ICMPv4 != null) return { ICMPv4: optICMP(o.ICMPv4, 'flow.l4.ICMPv4') };
  if (o.ICMPv6 != null) return { ICMPv6: optICMP(o.ICMPv6, 'flow.l4.ICMPv6') };
  return {};
}

const L7_TYPES = ['UNKNOWN_L7_TYPE', 'REQUEST', 'RESPONSE', 'SAMPLE'];

function optLayer7(value: unknown): HubbleLayer7 | undefined {
  if (value === undefined || value === null) return undefined;
  const o = asObject(value, 'flow', 'l7');
  const l7: Record<string, unknown> = {};
  const type = o.type;
  if (typeof type === 'string') l7.type = type;
  else if (typeof type === 'number') l7.type = L7_TYPES[type] ?? String(type);
  if (o.dns != null) {
    const dns = asObject(o.dns, 'flow.l7', 'dns');
    const out: Record<string, unknown> = {};
    setIf(out, 'query', optString(dns.query, 'flow.l7.dns', 'query'));
    setIf(out, 'rcode', optNumber(dns.rcode, 'flow.l7.dns', 'rcode'));
    l7.dns = out;
  } else if (o.http != null) {
    const http = asObject(o.http, 'flow.l7', 'http');
    const out: Record<string, unknown> = {};
    setIf(out, 'code', optNumber(http.code, 'flow.l7.http', 'code'));
    setIf(out, 'method', optString(http.method, 'flow.l7.http', 'method'));
    setIf(out, 'url', optString(http.url, 'flow.l7.http', 'url'));
    setIf(out, 'protocol', optString(http.protocol, 'flow.l7.http', 'protocol'));
    l7.http = out;
  } else if (o.kafka != null) {
    const kafka = asObject(o.kafka, 'flow.l7', 'kafka');
    const out: Record<string, unknown> = {};
    setIf(out, 'topic', optString(kafka.topic, 'flow.l7.kafka', 'topic'));
    setIf(out, 'api_key', optString(kafka.api_key ?? kafka.apiKey, 'flow.l7.kafka', 'api_key'));
    l7.kafka = out;
  }
  return l7 as HubbleLayer7;
}

function optEndpoint(value: unknown, path: string): HubbleEndpoint | undefined {
  if (value === undefined || value === null) return undefined;
  const o = asObject(value, path);
  const ep: Record<string, unknown> = {};
  setIf(ep, 'ID', optNumber(o.ID, path, 'ID'));
  setIf(ep, 'identity', optNumber(o.identity, path, 'identity'));
  setIf(ep, 'cluster_name', optString(o.cluster_name ?? o.clusterName, path, 'cluster_name'));
  setIf(ep, 'namespace', optString(o.namespace, path, 'namespace'));
  setIf(ep, 'labels', optStringArray(o.labels, path, 'labels'));
  setIf(ep, 'pod_name', optString(o.pod_name ?? o.podName, path, 'pod_name'));
  const workloads = o.workloads;
  if (workloads !== undefined && workloads !== null) {
    if (!Array.isArray(workloads)) throw shapeError(path, workloads, 'a list', 'workloads');
    ep.workloads = workloads.map((w: unknown, i) => {
      if (!isObject(w)) throw shapeError(path, w, 'an object', `workloads[${i}]`);
      const out: Record<string, unknown> = {};
      setIf(out, 'name', optIndexedString(w.name, path, 'workloads', i, 'name'));
      setIf(out, 'kind', optIndexedString(w.kind, path, 'workloads', i, 'kind'));
      return out;
    });
  }
  return ep as HubbleEndpoint;
}

function optService(value: unknown, path: string): { name?: string; namespace?: string } | undefined {
  if (value === undefined || value === null) return undefined;
  const o = asObject(value, path);
  const svc: Record<string, unknown> = {};
  setIf(svc, 'name', optString(o.name, path, 'name'));
  setIf(svc, 'namespace', optString(o.namespace, path, 'namespace'));
  return svc;
}

function optEventType(value: unknown): { type?: number; sub_type?: number } | undefined {
  if (value === undefined || value === null) return undefined;
  const o = asObject(value, 'flow', 'event_type');
  const out: Record<string, unknown> = {};
  setIf(out, 'type', optNumber(o.type, 'flow.event_type', 'type'));
  setIf(out, 'sub_type', optNumber(o.sub_type ?? o.subType, 'flow.event_type', 'sub_type'));
  return out;
}

function optPolicies(value: unknown, key: string): HubblePolicyRef[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw shapeError('flow', value, 'a list', key);
  return value.map((p: unknown, i) => {
    if (!isObject(p)) throw shapeError('flow', p, 'an object', `${key}[${i}]`);
    const ref: Record<string, unknown> = {};
    setIf(ref, 'name', optIndexedString(p.name, 'flow', key, i, 'name'));
    setIf(ref, 'namespace', optIndexedString(p.namespace, 'flow', key, i, 'namespace'));
    setIf(ref, 'kind', optIndexedString(p.kind, 'flow', key, i, 'kind'));
    if (p.labels !== undefined && p.labels !== null) {
      if (!Array.isArray(p.labels) || p.labels.some((l) => typeof l !== 'string')) {
        throw shapeError('flow', p.labels, 'a list of strings', `${key}[${i}].labels`);
      }
      ref.labels = p.labels;
    }
    if (p.revision !== undefined && p.revision !== null) {
      const revision = optNumber(p.revision, 'flow', `${key}[${i}].revision`);
      ref.revision = revision;
    }
    return ref as HubblePolicyRef;
  });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, path: string, key?: string): JsonObject {
  if (!isObject(value)) throw shapeError(path, value, 'an object', key);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function shapeError(path: string, value: unknown, expected: string, key?: string): FlowShapeError {
  const at = key === undefined ? path : `${path}.${key}`;
  return new FlowShapeError(`Field "${at}" is ${describe(value)}, expected ${expected}.`);
}

function optString(value: unknown, path: string, key?: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw shapeError(path, value, 'a string', key);
  return value;
}

function optIndexedString(
  value: unknown,
  path: string,
  list: string,
  index: number,
  key: string,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw shapeError(path, value, 'a string', `${list}[${index}].${key}`);
  return value;
}

/** Numbers may come as JSON numbers or, for 64-bit fields in protojson and gRPC `longs: String`, as strings. */
function optNumber(value: unknown, path: string, key?: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw shapeError(path, value, 'a number', key);
}

/** Booleans may be plain or wrapped (`google.protobuf.BoolValue` as the gRPC decoder gives it: `{ value }`). */
function optBool(value: unknown, path: string, key?: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (isObject(value)) {
    const inner = value.value;
    if (inner === undefined || inner === null) return false;
    if (typeof inner === 'boolean') return inner;
    throw shapeError(path, inner, 'a boolean', key === undefined ? 'value' : `${key}.value`);
  }
  throw shapeError(path, value, 'a boolean', key);
}

function optStringArray(value: unknown, path: string, key?: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw shapeError(path, value, 'a list of strings', key);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      throw key === undefined
        ? shapeError(`${path}[${i}]`, value[i], 'a string')
        : shapeError(path, value[i], 'a string', `${key}[${i}]`);
    }
  }
  return value as string[];
}

function optEnum<T extends Readonly<Record<string, number>>>(
  value: unknown,
  table: T,
  path: string,
  key?: string,
): EnumValue<keyof T & string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return enumName(table, value);
  throw shapeError(path, value, 'an enum name or number', key);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Timestamps may be RFC 3339 strings (protojson) or `{ seconds, nanos }` (gRPC decoder, Go encoding/json). Both are
 * returned the way protojson prints them (UTC, `Z`, 0/3/6/9 fractional digits), so flows from files and from the
 * Relay compare equal.
 */
function optTimestamp(value: unknown, path: string, key?: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const m = RFC3339.exec(value);
    if (!m) throw shapeError(path, value, 'an RFC 3339 timestamp', key);
    const [, base = '', fraction, zone = 'Z'] = m;
    if (zone === 'Z' && value.charCodeAt(10) === 84 /* T */ && isCanonicalFraction(fraction)) return value;
    const ms = Date.parse(`${base.toUpperCase()}${zone.toUpperCase()}`);
    if (Number.isNaN(ms)) throw shapeError(path, value, 'an RFC 3339 timestamp', key);
    return formatTimestamp(ms / 1000, Number((fraction ?? '').padEnd(9, '0')));
  }
  if (isObject(value)) {
    const at = key === undefined ? path : `${path}.${key}`;
    const seconds = optNumber(value.seconds, at, 'seconds') ?? 0;
    const nanos = optNumber(value.nanos, at, 'nanos') ?? 0;
    return formatTimestamp(seconds, nanos);
  }
  throw shapeError(path, value, 'an RFC 3339 timestamp', key);
}

/** Whether protojson would print these fractional digits as they are (none, or 3/6/9 digits not ending in 000). */
function isCanonicalFraction(fraction: string | undefined): boolean {
  if (fraction === undefined) return true;
  const n = fraction.length;
  return (n === 3 || n === 6 || n === 9) && !fraction.endsWith('000');
}

/**
 * Formats a protobuf `Timestamp` as RFC 3339 in UTC the way protojson does: 0, 3, 6 or 9 fractional digits.
 * @param seconds - seconds since the Unix epoch.
 * @param nanos - nanoseconds within the second (0-999 999 999).
 */
export function formatTimestamp(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  let fraction = String(nanos).padStart(9, '0');
  if (fraction.endsWith('000000')) fraction = fraction.slice(0, 3);
  else if (fraction.endsWith('000')) fraction = fraction.slice(0, 6);
  return `${base}.${fraction}Z`;
}
