import type { Diagnostic } from '../errors.js';
import { STDIN_FILE } from '../errors.js';
import { boundText } from '../repo/truncate.js';
import {
  type EnumValue,
  enumName,
  type FlowSummary,
  HubbleDropReason,
  type HubbleEndpoint,
  type HubbleFlow,
  HubbleFlowType,
  type HubbleICMP,
  type HubbleIP,
  HubbleIPVersion,
  type HubbleLayer4,
  type HubbleLayer7,
  HubbleLostEventSource,
  HubbleNodeState,
  type HubblePolicyRef,
  type HubblePorts,
  type HubbleTCPFlags,
  HubbleTrafficDirection,
  HubbleVerdict,
  type NonFlowEvent,
  type NonFlowKind,
} from './types.js';

/**
 * The result of parsing one line of `hubble observe -o json|jsonpb` output:
 * a flow, a non-flow event (node status, lost events, agent/debug events, blank line), or a diagnostic.
 */
export type ParsedLine =
  | { readonly kind: 'flow'; readonly flow: HubbleFlow; readonly summary?: FlowSummary }
  | { readonly kind: 'other'; readonly what: NonFlowKind; readonly event: NonFlowEvent }
  | { readonly kind: 'error'; readonly diagnostic: Diagnostic };

/** The result of {@link normalizeFlow}: the flow, or why the object is not a valid flow. */
export type NormalizeResult =
  | { readonly ok: true; readonly flow: HubbleFlow }
  | { readonly ok: false; readonly reason: string };

/** Thrown inside the normaliser when a field has the wrong type; turned into a reason, never escapes. */
class FlowShapeError extends Error {}

type JsonObject = Record<string, unknown>;

const LINE_HINT = 'Each line must be one JSON object as printed by `hubble observe -o json` or `-o jsonpb`.';

/**
 * Parses one line of `hubble observe -o json` / `-o jsonpb` output (or of Hubble's flow export file).
 *
 * Accepts both shapes: the wrapped `GetFlowsResponse` (`{"flow": {...}, "node_name": ..., "time": ...}`, what
 * current CLIs print for both `-o json` and `-o jsonpb`) and the bare flow object (what older CLIs print, and
 * current ones with their legacy-JSON compatibility setting). Field names may be
 * the proto names (`drop_reason_desc`, what Hubble prints: protojson with `UseProtoNames`) or the lowerCamelCase JSON
 * names (`dropReasonDesc`, what other protojson writers print); enums may be names or numbers; timestamps may be
 * RFC 3339 strings or `{ seconds, nanos }`. A trailing `\r` (CRLF files) and a UTF-8 BOM are ignored.
 *
 * Never throws for bad input: a line that is not a flow or a known event becomes a `FLOW_UNPARSABLE` diagnostic
 * (severity `warning`) at `file:lineNumber:1`.
 *
 * @param line - one line of text, without its `\n`.
 * @param lineNumber - 1-based line number, for the diagnostic.
 * @param file - file name for the diagnostic. Default: `<stdin>` (standard input).
 * @returns `{ kind: 'flow', flow }`, `{ kind: 'other', what, event }` or `{ kind: 'error', diagnostic }`.
 * @see cilium/cilium `hubble/pkg/printer/printer.go` (jsonpb prints the whole `GetFlowsResponse`, legacy JSON the flow)
 */
export function parseFlowLine(line: string, lineNumber: number, file = STDIN_FILE): ParsedLine {
  let text = line;
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { kind: 'other', what: 'blank', event: { what: 'blank' } };

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'error', diagnostic: jsonDiagnostic(text, error, file, lineNumber) };
  }
  if (!isObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return unparsable(file, lineNumber, `Line is valid JSON but ${got}, not an object.`);
  }
  return classify(value, file, lineNumber);
}

function classify(value: JsonObject, file: string, lineNumber: number): ParsedLine {
  const outer = {
    node_name: value.node_name ?? value.nodeName,
    time: value.time,
  };
  if (value.flow !== undefined) {
    const result = normalizeFlow(value.flow, outer);
    if (!result.ok) return unparsable(file, lineNumber, result.reason);
    if (value.netpol_summary === undefined) return { kind: 'flow', flow: result.flow };
    try {
      return { kind: 'flow', flow: result.flow, summary: flowSummary(value.netpol_summary) };
    } catch (error) {
      if (error instanceof FlowShapeError) return unparsable(file, lineNumber, error.message);
      throw error;
    }
  }
  const nonFlow = normalizeNonFlow(value);
  if (nonFlow) {
    if ('reason' in nonFlow) return unparsable(file, lineNumber, nonFlow.reason);
    return { kind: 'other', what: nonFlow.what, event: nonFlow };
  }
  if (looksLikeBareFlow(value)) {
    const result = normalizeFlow(value);
    return result.ok ? { kind: 'flow', flow: result.flow } : unparsable(file, lineNumber, result.reason);
  }
  const keys = Object.keys(value).slice(0, 5);
  const shown = keys.length > 0 ? `keys ${keys.map((k) => `"${k}"`).join(', ')}` : 'no keys';
  return unparsable(
    file,
    lineNumber,
    `Line is a JSON object but neither a Hubble flow nor a known event (${shown}).`,
  );
}

/** The `netpol_summary` member of a `netpol watch --record` line: `{count, first_seen, last_seen}`. */
function flowSummary(value: unknown): FlowSummary {
  const o = asObject(value, 'netpol_summary');
  const count = o.count;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw shapeError('netpol_summary', count, 'a positive whole number', 'count');
  }
  const firstSeen = optTimestamp(o.first_seen, 'netpol_summary', 'first_seen');
  const lastSeen = optTimestamp(o.last_seen, 'netpol_summary', 'last_seen');
  return {
    count,
    ...(firstSeen !== undefined && { firstSeen }),
    ...(lastSeen !== undefined && { lastSeen }),
  };
}

const BARE_FLOW_KEYS = [
  'verdict',
  'IP',
  'l4',
  'source',
  'destination',
  'Type',
  'event_type',
  'eventType',
  'drop_reason_desc',
  'dropReasonDesc',
  'traffic_direction',
  'trafficDirection',
];

function looksLikeBareFlow(value: JsonObject): boolean {
  return BARE_FLOW_KEYS.some((key) => value[key] !== undefined);
}

/**
 * Recognises a non-flow `GetFlowsResponse` (node status, lost events, agent and debug events) and returns it as a
 * {@link NonFlowEvent}; `undefined` when the object is none of them, `{ reason }` when it is one but malformed.
 * Accepts proto and lowerCamelCase field names, and the gRPC-decoded shape.
 * @param value - the decoded JSON object or gRPC message.
 */
export function normalizeNonFlow(value: JsonObject): NonFlowEvent | { readonly reason: string } | undefined {
  try {
    const nodeName = optString(value.node_name ?? value.nodeName, 'node_name');
    const time = optTimestamp(value.time, 'time');
    const base = { ...(nodeName !== undefined && { nodeName }), ...(time !== undefined && { time }) };
    const nodeStatus = value.node_status ?? value.nodeStatus;
    if (nodeStatus !== undefined) {
      const status = asObject(nodeStatus, 'node_status');
      const state = optEnum(
        status.state_change ?? status.stateChange,
        HubbleNodeState,
        'node_status.state_change',
      );
      const nodeNames = optStringArray(status.node_names ?? status.nodeNames, 'node_status.node_names');
      const message = optString(status.message, 'node_status.message');
      return {
        what: 'node_status',
        ...base,
        ...(state !== undefined && { state }),
        ...(nodeNames !== undefined && { nodeNames }),
        ...(message !== undefined && { message }),
      };
    }
    const lost = value.lost_events ?? value.lostEvents;
    if (lost !== undefined) {
      const events = asObject(lost, 'lost_events');
      const lostSource = optEnum(events.source, HubbleLostEventSource, 'lost_events.source');
      const numEventsLost = optNumber(
        events.num_events_lost ?? events.numEventsLost,
        'lost_events.num_events_lost',
      );
      return {
        what: 'lost_events',
        ...base,
        ...(lostSource !== undefined && { lostSource }),
        ...(numEventsLost !== undefined && { numEventsLost }),
      };
    }
    if ((value.agent_event ?? value.agentEvent) !== undefined) return { what: 'agent_event', ...base };
    if ((value.debug_event ?? value.debugEvent) !== undefined) return { what: 'debug_event', ...base };
    return undefined;
  } catch (error) {
    if (error instanceof FlowShapeError) return { reason: error.message };
    throw error;
  }
}

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
  // Direct stores in the order of the HubbleFlow fields (each store site sees one key: cheap per line).
  const flow: Record<string, unknown> = { verdict };
  if (time !== undefined) flow.time = time;
  const uuid = optString(f.uuid, 'flow', 'uuid');
  if (uuid !== undefined) flow.uuid = uuid;
  if (dropReason !== undefined) flow.drop_reason = dropReason;
  if (dropReasonDesc !== undefined) flow.drop_reason_desc = dropReasonDesc;
  const direction = optEnum(
    f.traffic_direction ?? f.trafficDirection,
    HubbleTrafficDirection,
    'flow',
    'traffic_direction',
  );
  if (direction !== undefined) flow.traffic_direction = direction;
  const isReply = optBool(f.is_reply ?? f.isReply, 'flow', 'is_reply');
  if (isReply !== undefined) flow.is_reply = isReply;
  const ip = optIP(f.IP);
  if (ip !== undefined) flow.IP = ip;
  const l4 = optLayer4(f.l4);
  if (l4 !== undefined) flow.l4 = l4;
  const l7 = optLayer7(f.l7);
  if (l7 !== undefined) flow.l7 = l7;
  const source = optEndpoint(f.source, 'flow.source');
  if (source !== undefined) flow.source = source;
  const destination = optEndpoint(f.destination, 'flow.destination');
  if (destination !== undefined) flow.destination = destination;
  const type = optEnum(f.Type, HubbleFlowType, 'flow', 'Type');
  if (type !== undefined) flow.Type = type;
  if (nodeName !== undefined) flow.node_name = nodeName;
  const sourceNames = optStringArray(f.source_names ?? f.sourceNames, 'flow', 'source_names');
  if (sourceNames !== undefined) flow.source_names = sourceNames;
  const destinationNames = optStringArray(
    f.destination_names ?? f.destinationNames,
    'flow',
    'destination_names',
  );
  if (destinationNames !== undefined) flow.destination_names = destinationNames;
  const sourceService = optService(f.source_service ?? f.sourceService, 'flow.source_service');
  if (sourceService !== undefined) flow.source_service = sourceService;
  const destinationService = optService(
    f.destination_service ?? f.destinationService,
    'flow.destination_service',
  );
  if (destinationService !== undefined) flow.destination_service = destinationService;
  const eventType = optEventType(f.event_type ?? f.eventType);
  if (eventType !== undefined) flow.event_type = eventType;
  const egressAllowed = optPolicies(f.egress_allowed_by ?? f.egressAllowedBy, 'egress_allowed_by');
  if (egressAllowed !== undefined) flow.egress_allowed_by = egressAllowed;
  const ingressAllowed = optPolicies(f.ingress_allowed_by ?? f.ingressAllowedBy, 'ingress_allowed_by');
  if (ingressAllowed !== undefined) flow.ingress_allowed_by = ingressAllowed;
  const egressDenied = optPolicies(f.egress_denied_by ?? f.egressDeniedBy, 'egress_denied_by');
  if (egressDenied !== undefined) flow.egress_denied_by = egressDenied;
  const ingressDenied = optPolicies(f.ingress_denied_by ?? f.ingressDeniedBy, 'ingress_denied_by');
  if (ingressDenied !== undefined) flow.ingress_denied_by = ingressDenied;
  const summary = optString(f.Summary, 'flow', 'Summary');
  if (summary !== undefined) flow.Summary = summary;
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
  const source = optString(o.source, 'flow.IP', 'source');
  if (source !== undefined) ip.source = source;
  const destination = optString(o.destination, 'flow.IP', 'destination');
  if (destination !== undefined) ip.destination = destination;
  const version = optEnum(o.ipVersion ?? o.ip_version, HubbleIPVersion, 'flow.IP', 'ipVersion');
  if (version !== undefined) ip.ipVersion = version;
  const encrypted = optBool(o.encrypted, 'flow.IP', 'encrypted');
  if (encrypted !== undefined) ip.encrypted = encrypted;
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
  const sourcePort = optNumber(o.source_port ?? o.sourcePort, path, 'source_port');
  if (sourcePort !== undefined) ports.source_port = sourcePort;
  const destinationPort = optNumber(o.destination_port ?? o.destinationPort, path, 'destination_port');
  if (destinationPort !== undefined) ports.destination_port = destinationPort;
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
  const id = optNumber(o.ID, path, 'ID');
  if (id !== undefined) ep.ID = id;
  const identity = optNumber(o.identity, path, 'identity');
  if (identity !== undefined) ep.identity = identity;
  const cluster = optString(o.cluster_name ?? o.clusterName, path, 'cluster_name');
  if (cluster !== undefined) ep.cluster_name = cluster;
  const namespace = optString(o.namespace, path, 'namespace');
  if (namespace !== undefined) ep.namespace = namespace;
  const labels = optStringArray(o.labels, path, 'labels');
  if (labels !== undefined) ep.labels = labels;
  const pod = optString(o.pod_name ?? o.podName, path, 'pod_name');
  if (pod !== undefined) ep.pod_name = pod;
  const workloads = o.workloads;
  if (workloads !== undefined && workloads !== null) {
    if (!Array.isArray(workloads)) throw shapeError(path, workloads, 'a list', 'workloads');
    ep.workloads = workloads.map((w: unknown, i) => {
      if (!isObject(w)) throw shapeError(path, w, 'an object', `workloads[${i}]`);
      const out: Record<string, unknown> = {};
      const name = optIndexedString(w.name, path, 'workloads', i, 'name');
      if (name !== undefined) out.name = name;
      const kind = optIndexedString(w.kind, path, 'workloads', i, 'kind');
      if (kind !== undefined) out.kind = kind;
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
  const type = optNumber(o.type, 'flow.event_type', 'type');
  if (type !== undefined) out.type = type;
  const subType = optNumber(o.sub_type ?? o.subType, 'flow.event_type', 'sub_type');
  if (subType !== undefined) out.sub_type = subType;
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

function unparsable(file: string, line: number, message: string): ParsedLine {
  return {
    kind: 'error',
    diagnostic: {
      code: 'FLOW_UNPARSABLE',
      severity: 'warning',
      message: boundText(message),
      source: { file, line, column: 1 },
      hint: LINE_HINT,
    },
  };
}

function jsonDiagnostic(text: string, error: unknown, file: string, line: number): Diagnostic {
  const detail = error instanceof Error ? error.message : String(error);
  const trimmed = text.trimEnd();
  const truncated =
    trimmed.startsWith('{') && (!trimmed.endsWith('}') || /end of (JSON )?input/i.test(detail));
  if (truncated) {
    return {
      code: 'FLOW_UNPARSABLE',
      severity: 'warning',
      message: `Line is truncated: the JSON object ends after ${trimmed.length} characters without being closed.`,
      source: { file, line, column: 1 },
      hint: 'The capture was probably cut off mid-line (e.g. hubble observe was interrupted); the rest of the file was read.',
    };
  }
  return {
    code: 'FLOW_UNPARSABLE',
    severity: 'warning',
    message: boundText(`Line is not valid JSON (${detail.replace(/\.$/, '')}).`),
    source: { file, line, column: 1 },
    hint: LINE_HINT,
  };
}

/**
 * Whether a flow is a policy drop: verdict `DROPPED` with drop reason `POLICY_DENIED` (133, no rule allowed it)
 * or `POLICY_DENY` (181, an explicit deny rule matched). `AUDIT` verdicts are not drops (see {@link isPolicyAudit}).
 * @param flow - a normalised flow.
 * @see cilium/cilium `api/v1/flow/flow.proto` (enums `Verdict` and `DropReason`)
 */
export function isPolicyDrop(flow: HubbleFlow): boolean {
  if (flow.verdict !== 'DROPPED') return false;
  const desc = flow.drop_reason_desc;
  if (desc === 'POLICY_DENIED' || desc === 'POLICY_DENY') return true;
  return (
    flow.drop_reason === HubbleDropReason.POLICY_DENIED || flow.drop_reason === HubbleDropReason.POLICY_DENY
  );
}

/**
 * Whether a flow is an `AUDIT` verdict: in policy audit mode, a flow that policy would have dropped.
 * @param flow - a normalised flow.
 */
export function isPolicyAudit(flow: HubbleFlow): boolean {
  return flow.verdict === 'AUDIT';
}

/**
 * A fast pre-filter for raw lines that never calls `JSON.parse`: `false` means the line cannot be a policy drop
 * (see {@link isPolicyDrop}), `true` means it might be. It looks for the verdict `DROPPED` (as the name anywhere, or
 * as the number 2 after a `"verdict"` key, with any spacing) and for a policy drop reason (`POLICY_DENIED`,
 * `POLICY_DENY`, `133` or `181` anywhere), so it accepts both shapes, both field spellings and both enum encodings.
 * It assumes the producer does not `\u`-escape ASCII letters, which neither protojson nor Go's encoding/json do.
 *
 * @param line - one raw line.
 * @returns `false` only when the line is certainly not a policy drop.
 */
export function mightBePolicyDrop(line: string): boolean {
  if (!line.includes('DROPPED') && !hasNumericVerdict(line, 50 /* '2' */)) return false;
  return line.includes('POLICY_DEN') || line.includes('133') || line.includes('181');
}

/**
 * Like {@link mightBePolicyDrop}, but also keeps lines that might be `AUDIT` verdicts (name or number 4).
 * @param line - one raw line.
 */
export function mightBePolicyDropOrAudit(line: string): boolean {
  return mightBePolicyDrop(line) || line.includes('AUDIT') || hasNumericVerdict(line, 52 /* '4' */);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Whether the line has `"verdict"` followed by `:` and the single digit `digitCode`. */
function hasNumericVerdict(line: string, digitCode: number): boolean {
  let at = line.indexOf('"verdict"');
  while (at !== -1) {
    let i = at + 9;
    while (isSpace(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) === 58 /* ':' */) {
      i++;
      while (isSpace(line.charCodeAt(i))) i++;
      if (line.charCodeAt(i) === digitCode && !isDigit(line.charCodeAt(i + 1))) return true;
    }
    at = line.indexOf('"verdict"', at + 9);
  }
  return false;
}
