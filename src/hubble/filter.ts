import { NetpolError } from '../errors.js';
import { type HubbleEndpoint, type HubbleFlow, HubbleVerdict, type HubbleVerdictName } from './types.js';

/**
 * One `flow.FlowFilter` of a Hubble `GetFlows` whitelist, reduced to the fields netpol's flags set. Field names and
 * value formats are the proto's (cilium/cilium `api/v1/flow/flow.proto`, message `FlowFilter`), so a rule can be
 * sent to a Relay as is and evaluated locally with the same meaning. Every set field must match (AND); within a
 * field, any value may match (OR).
 */
export interface FlowFilterRule {
  /** `namespace/pod-name-prefix` entries; `shop/` matches any pod in namespace `shop`. */
  readonly source_pod?: readonly string[];
  readonly destination_pod?: readonly string[];
  /** Decimal port numbers as strings (the proto's type), matched against TCP, UDP and SCTP ports. */
  readonly source_port?: readonly string[];
  readonly destination_port?: readonly string[];
  /** Lower-case protocol names: `tcp`, `udp`, `sctp`, `icmp`, `icmpv4`, `icmpv6`, `dns`, `http`, `kafka`. */
  readonly protocol?: readonly string[];
  readonly verdict?: readonly HubbleVerdictName[];
  /** Numeric security identities. */
  readonly source_identity?: readonly number[];
  readonly destination_identity?: readonly number[];
}

/**
 * A compiled flow filter: a whitelist (a flow passes when any rule matches, or when the list is empty), a time
 * window and an optional "last N" limit. Build one from `hubble observe`-style flags with {@link buildFlowFilter}.
 */
export interface FlowFilter {
  readonly whitelist: readonly FlowFilterRule[];
  /** Flows observed at or after this instant. */
  readonly since?: Date;
  /** Flows observed at or before this instant. */
  readonly until?: Date;
  /** Keep only the last N matching flows. */
  readonly last?: number;
}

type Many<T> = T | readonly T[];

/**
 * Flag values as a user typed them, named after `hubble observe` flags (each may be given several times; several
 * values of one flag are ORed, different flags are ANDed, exactly as `hubble observe` does).
 */
export interface FlowFilterFlags {
  /** `--namespace/-n`: flows from OR to these namespaces. Default: none. */
  readonly namespace?: Many<string>;
  /** `--from-namespace`: flows from these namespaces. Default: none. */
  readonly fromNamespace?: Many<string>;
  /** `--to-namespace`: flows to these namespaces. Default: none. */
  readonly toNamespace?: Many<string>;
  /** `--port`: flows with this source OR destination port. Default: none. */
  readonly port?: Many<string | number>;
  /** `--from-port`: flows with this source port. Default: none. */
  readonly fromPort?: Many<string | number>;
  /** `--to-port`: flows with this destination port. Default: none. */
  readonly toPort?: Many<string | number>;
  /** `--protocol`: `tcp`, `udp`, `sctp`, `icmp`, `icmpv4`, `icmpv6`, `dns`, `http`, `kafka`. Default: none. */
  readonly protocol?: Many<string>;
  /** `--verdict`: `FORWARDED`, `DROPPED`, `AUDIT`, `REDIRECTED`, `ERROR`, `TRACED`, `TRANSLATED`. Default: none. */
  readonly verdict?: Many<string>;
  /** `--identity`: source OR destination identity, numeric or reserved name (`world`, `host` …). Default: none. */
  readonly identity?: Many<string | number>;
  /** `--from-identity`: source identity, numeric or reserved name. Default: none. */
  readonly fromIdentity?: Many<string | number>;
  /** `--to-identity`: destination identity, numeric or reserved name. Default: none. */
  readonly toIdentity?: Many<string | number>;
  /** `--since`: a duration before `now` (`5m`, `1h30m`) or a timestamp (RFC 3339 …). Default: none. */
  readonly since?: string;
  /** `--until`: same formats as `since`. Default: none. */
  readonly until?: string;
  /** `--last`: keep only the last N matching flows. Default: all. */
  readonly last?: number | string;
}

/**
 * Reserved security identities by name, from cilium/cilium `pkg/identity/numericidentity.go`
 * (`world-ipv4` = 9 and `world-ipv6` = 10 as in `bpf/lib/identity.h` for dual-stack clusters).
 */
export const RESERVED_IDENTITIES: Readonly<Record<string, number>> = {
  host: 1,
  world: 2,
  unmanaged: 3,
  health: 4,
  init: 5,
  'remote-node': 6,
  'kube-apiserver': 7,
  ingress: 8,
  'world-ipv4': 9,
  'world-ipv6': 10,
};

/** Protocols `hubble observe --protocol` accepts (cilium/cilium `hubble/cmd/observe/flows.go`). */
export const FILTER_PROTOCOLS = [
  'icmp',
  'icmpv4',
  'icmpv6',
  'sctp',
  'tcp',
  'udp',
  'dns',
  'http',
  'kafka',
] as const;

/** Flags `hubble observe` refuses to combine (cilium/cilium `hubble/cmd/observe/flows_filter.go`). */
const CONFLICTS: readonly (readonly [keyof FlowFilterFlags, keyof FlowFilterFlags])[] = [
  ['namespace', 'fromNamespace'],
  ['namespace', 'toNamespace'],
  ['port', 'fromPort'],
  ['port', 'toPort'],
  ['identity', 'fromIdentity'],
  ['identity', 'toIdentity'],
];

const FLAG_NAMES: Record<keyof FlowFilterFlags, string> = {
  namespace: '--namespace',
  fromNamespace: '--from-namespace',
  toNamespace: '--to-namespace',
  port: '--port',
  fromPort: '--from-port',
  toPort: '--to-port',
  protocol: '--protocol',
  verdict: '--verdict',
  identity: '--identity',
  fromIdentity: '--from-identity',
  toIdentity: '--to-identity',
  since: '--since',
  until: '--until',
  last: '--last',
};

type MutableRule = { -readonly [K in keyof FlowFilterRule]?: NonNullable<FlowFilterRule[K]>[number][] };

function list<T>(value: Many<T> | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function badArgument(message: string, hint?: string): NetpolError {
  return new NetpolError('NETPOL_BAD_ARGUMENT', message, hint);
}

/**
 * Compiles `hubble observe`-style flags into a {@link FlowFilter}, building the whitelist the way the hubble CLI
 * does: flags that name one side (`--from-*`, `--to-*`, `--protocol`, `--verdict`) go into every rule, and the
 * either-side flags (`--namespace`, `--port`, `--identity`) split it into a "source" rule OR a "destination" rule.
 * So `-n shop --port 80` means (from `shop` AND source port 80) OR (to `shop` AND destination port 80).
 *
 * @param flags - the flag values.
 * @param now - the instant durations count back from. Default: the current time.
 * @returns the compiled filter.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for a bad value (port, protocol, verdict, identity, duration, timestamp,
 *   `--last`) or for flags hubble refuses to combine (`--namespace` with `--from-namespace` …).
 * @see cilium/cilium `hubble/cmd/observe/flows_filter.go` (`filterTracker`, `flowFilters`)
 */
export function buildFlowFilter(flags: FlowFilterFlags, now: Date = new Date()): FlowFilter {
  for (const [a, b] of CONFLICTS) {
    if (list(flags[a] as Many<unknown>).length > 0 && list(flags[b] as Many<unknown>).length > 0) {
      throw badArgument(
        `Filters ${FLAG_NAMES[a]} and ${FLAG_NAMES[b]} cannot be combined.`,
        `Use either ${FLAG_NAMES[a]} or ${FLAG_NAMES[b]}, as with hubble observe.`,
      );
    }
  }

  let left: MutableRule | undefined;
  let right: MutableRule | undefined;
  const both = (update: (rule: MutableRule) => void): void => {
    left ??= {};
    right ??= {};
    update(left);
    update(right);
  };
  const onLeft = (update: (rule: MutableRule) => void): void => {
    left ??= {};
    update(left);
  };
  const onRight = (update: (rule: MutableRule) => void): void => {
    right ??= {};
    update(right);
  };

  for (const value of list(flags.protocol)) {
    const protocol = parseProtocol(value);
    both((r) => {
      r.protocol = [...(r.protocol ?? []), protocol];
    });
  }
  for (const value of list(flags.verdict)) {
    const verdict = parseVerdict(value);
    both((r) => {
      r.verdict = [...(r.verdict ?? []), verdict];
    });
  }
  for (const value of list(flags.port)) {
    const port = parsePort(value, '--port');
    onLeft((r) => {
      r.source_port = [...(r.source_port ?? []), port];
    });
    onRight((r) => {
      r.destination_port = [...(r.destination_port ?? []), port];
    });
  }
  for (const value of list(flags.fromPort)) {
    const port = parsePort(value, '--from-port');
    both((r) => {
      r.source_port = [...(r.source_port ?? []), port];
    });
  }
  for (const value of list(flags.toPort)) {
    const port = parsePort(value, '--to-port');
    both((r) => {
      r.destination_port = [...(r.destination_port ?? []), port];
    });
  }
  for (const value of list(flags.identity)) {
    const identity = parseIdentity(value, '--identity');
    onLeft((r) => {
      r.source_identity = [...(r.source_identity ?? []), identity];
    });
    onRight((r) => {
      r.destination_identity = [...(r.destination_identity ?? []), identity];
    });
  }
  for (const value of list(flags.fromIdentity)) {
    const identity = parseIdentity(value, '--from-identity');
    both((r) => {
      r.source_identity = [...(r.source_identity ?? []), identity];
    });
  }
  for (const value of list(flags.toIdentity)) {
    const identity = parseIdentity(value, '--to-identity');
    both((r) => {
      r.destination_identity = [...(r.destination_identity ?? []), identity];
    });
  }

  const ns = list(flags.namespace).map((v) => parseNamespace(v, '--namespace'));
  const srcNs = list(flags.fromNamespace).map((v) => parseNamespace(v, '--from-namespace'));
  const dstNs = list(flags.toNamespace).map((v) => parseNamespace(v, '--to-namespace'));

  const whitelist: FlowFilterRule[] = [];
  if (left || right || ns.length > 0 || srcNs.length > 0 || dstNs.length > 0) {
    const l: MutableRule = left ?? {};
    const r: MutableRule = right ?? {};
    if (dstNs.length > 0) {
      applyDestinationNamespaces(l, dstNs);
      applyDestinationNamespaces(r, dstNs);
    }
    if (srcNs.length > 0) {
      applySourceNamespaces(l, srcNs);
      applySourceNamespaces(r, srcNs);
    }
    if (ns.length > 0) {
      applySourceNamespaces(l, ns);
      applyDestinationNamespaces(r, ns);
    }
    whitelist.push(l);
    if (canonical(l) !== canonical(r)) whitelist.push(r);
  }

  const filter: { whitelist: FlowFilterRule[]; since?: Date; until?: Date; last?: number } = { whitelist };
  if (flags.since !== undefined) filter.since = parseSince(flags.since, now, '--since');
  if (flags.until !== undefined) filter.until = parseSince(flags.until, now, '--until');
  if (flags.last !== undefined) filter.last = parseLast(flags.last);
  return filter;
}

/** `namespaceModifier.applySrc` of the hubble CLI: scope the (empty) pod prefix to each namespace. */
function applySourceNamespaces(rule: MutableRule, namespaces: readonly string[]): void {
  rule.source_pod = addNamespaces(rule.source_pod?.length ? rule.source_pod : [''], namespaces);
}

function applyDestinationNamespaces(rule: MutableRule, namespaces: readonly string[]): void {
  rule.destination_pod = addNamespaces(
    rule.destination_pod?.length ? rule.destination_pod : [''],
    namespaces,
  );
}

function addNamespaces(entries: readonly string[], namespaces: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.includes('/')) {
      out.push(entry);
      continue;
    }
    for (const ns of namespaces) out.push(`${ns}/${entry}`);
  }
  return out;
}

function canonical(rule: FlowFilterRule): string {
  const keys = Object.keys(rule).sort() as (keyof FlowFilterRule)[];
  return JSON.stringify(keys.map((k) => [k, rule[k]]));
}

function parseNamespace(value: string, flag: string): string {
  const ns = String(value).trim();
  if (ns === '' || ns.includes('/')) {
    throw badArgument(
      `${flag} value "${value}" is not a namespace name.`,
      'Give a namespace name such as shop.',
    );
  }
  return ns;
}

function parsePort(value: string | number, flag: string): string {
  const text = String(value).trim();
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw badArgument(
      `${flag} value "${value}" is not a port number.`,
      'Give a number from 0 to 65535, e.g. 5432.',
    );
  }
  return String(port);
}

function parseProtocol(value: string): string {
  const protocol = String(value).trim().toLowerCase();
  if (!(FILTER_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw badArgument(
      `--protocol value "${value}" is not a protocol Hubble filters on.`,
      `Use one of ${FILTER_PROTOCOLS.join(', ')}.`,
    );
  }
  return protocol;
}

function parseVerdict(value: string): HubbleVerdictName {
  const verdict = String(value).trim().toUpperCase();
  if (!(verdict in HubbleVerdict)) {
    throw badArgument(
      `--verdict value "${value}" is not a Hubble verdict.`,
      'Use one of FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED, TRANSLATED.',
    );
  }
  return verdict as HubbleVerdictName;
}

function parseIdentity(value: string | number, flag: string): number {
  const text = String(value).trim();
  const reserved = RESERVED_IDENTITIES[text.toLowerCase()];
  if (reserved !== undefined) return reserved;
  if (/^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff) return Number(text);
  throw badArgument(
    `${flag} value "${value}" is not a security identity.`,
    `Give a numeric identity or one of ${Object.keys(RESERVED_IDENTITIES).join(', ')}.`,
  );
}

function parseLast(value: number | string): number {
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n > 0)) {
    throw badArgument(`--last value "${value}" is not a positive whole number.`, 'Give a count such as 100.');
  }
  return n;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go-style duration (`time.ParseDuration`, which `hubble observe --since` uses): a sequence of decimal
 * numbers with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, e.g. `5m`, `1h30m`, `1.5h`, `300ms`; `0` alone is allowed.
 *
 * @param text - the duration text.
 * @returns the duration in milliseconds (may be fractional below 1 ms).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the text is not a duration (including `1d`: Go has no day unit).
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  let rest = input;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw durationError(text);
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) throw durationError(text);
    const [whole, amount, unit] = match as unknown as [string, string, string];
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  if (!Number.isFinite(total)) throw durationError(text);
  return sign * total;
}

function durationError(text: string): NetpolError {
  const hint = /^\s*\d+(\.\d+)?d\s*$/.test(text)
    ? 'Durations have no day unit (as in Go and hubble); write 24h for a day.'
    : 'Use a duration such as 30s, 5m or 1h30m.';
  return badArgument(`"${text}" is not a duration.`, hint);
}

const TIME_LAYOUTS: readonly RegExp[] = [
  // YearMonthDay, YearMonthDayHour, YearMonthDayHourMinute, RFC 3339 with optional fraction (hubble/pkg/time).
  /^(\d{4})-(\d{2})-(\d{2})$/,
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(Z|[+-]\d{2}:\d{2})$/,
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})$/,
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Parses a `--since`/`--until` value as `hubble observe` does (cilium/cilium `hubble/pkg/time/time.go`,
 * `FromString`): first as a duration before `now` (see {@link parseDuration}), then as a timestamp in one of the
 * layouts `2006-01-02`, `2006-01-02T15Z07:00`, `2006-01-02T15:04Z07:00`, RFC 3339 (with up to 9 fractional digits)
 * or RFC 1123Z (`Mon, 02 Jan 2006 15:04:05 -0700`). A date without a zone is midnight UTC.
 *
 * @param value - the flag value.
 * @param now - the instant durations count back from.
 * @param flag - the flag name for error messages. Default: `'--since'`.
 * @returns the instant.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the value is neither a duration nor a timestamp.
 */
export function parseSince(value: string, now: Date, flag = '--since'): Date {
  const text = value.trim();
  // The timestamp layouts and Go durations are disjoint, so the order does not change the result.
  const timestamp = parseTimestamp(text);
  if (timestamp !== undefined) return timestamp;
  try {
    return new Date(now.getTime() - parseDuration(text));
  } catch {
    throw badArgument(
      `${flag} value "${value}" is neither a duration nor a timestamp.`,
      /^\d+(\.\d+)?d$/.test(text)
        ? 'Durations have no day unit (as in Go and hubble); write 24h for a day.'
        : 'Use a duration such as 5m or 1h30m, or a timestamp such as 2024-05-01T12:00:00Z.',
    );
  }
}

/**
 * Parses an RFC 3339 timestamp to milliseconds since the epoch (fraction beyond milliseconds truncated);
 * `undefined` when the text is not one of the layouts {@link parseSince} accepts.
 * @param text - the timestamp text.
 */
export function parseTimestampMs(text: string): number | undefined {
  return parseTimestamp(text)?.getTime();
}

function parseTimestamp(text: string): Date | undefined {
  for (const layout of TIME_LAYOUTS) {
    const m = layout.exec(text);
    if (!m) continue;
    const [, y, mo, d] = m;
    let hh = '00';
    let mm = '00';
    let ss = '00';
    let fraction = '';
    let zone = 'Z';
    if (m.length === 6) [hh, zone] = [m[4] ?? '00', m[5] ?? 'Z'];
    if (m.length === 7) [hh, mm, zone] = [m[4] ?? '00', m[5] ?? '00', m[6] ?? 'Z'];
    if (m.length === 9) {
      [hh, mm, ss] = [m[4] ?? '00', m[5] ?? '00', m[6] ?? '00'];
      fraction = (m[7] ?? '').slice(0, 4);
      zone = m[8] ?? 'Z';
    }
    return validDate(`${y}-${mo}-${d}T${hh}:${mm}:${ss}${fraction}${zone.toUpperCase()}`, [
      y,
      mo,
      d,
      hh,
      mm,
      ss,
    ]);
  }
  const rfc1123z =
    /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(
      text,
    );
  if (rfc1123z) {
    const [, d, monthName, y, hh, mm, ss, sign, zh, zm] = rfc1123z;
    const month = MONTHS.indexOf(monthName ?? '') + 1;
    if (month === 0) return undefined;
    const mo = String(month).padStart(2, '0');
    return validDate(`${y}-${mo}-${d}T${hh}:${mm}:${ss}${sign}${zh}:${zm}`, [y, mo, d, hh, mm, ss]);
  }
  return undefined;
}

/** Builds the date and rejects out-of-range fields (JavaScript would roll `02-30` over to March). */
function validDate(iso: string, fields: readonly (string | undefined)[]): Date | undefined {
  const [y, mo, d, hh, mm, ss] = fields.map((f) => Number(f));
  if (
    y === undefined ||
    mo === undefined ||
    d === undefined ||
    hh === undefined ||
    mm === undefined ||
    ss === undefined
  ) {
    return undefined;
  }
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || hh > 23 || mm > 59 || ss > 60) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function endpointMatchesPod(endpoint: HubbleEndpoint | undefined, entries: readonly string[]): boolean {
  const ns = endpoint?.namespace ?? '';
  const pod = endpoint?.pod_name ?? '';
  if (ns === '' && pod === '') return false;
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const filterNs = slash === -1 ? 'default' : entry.slice(0, slash);
    const prefix = slash === -1 ? entry : entry.slice(slash + 1);
    if (filterNs === ns && (prefix === '' || pod.startsWith(prefix))) return true;
  }
  return false;
}

function ports(flow: HubbleFlow): { source: number; destination: number } | undefined {
  const l4 = flow.l4;
  const p = l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
  if (!p) return undefined;
  return { source: p.source_port ?? 0, destination: p.destination_port ?? 0 };
}

function matchesProtocol(flow: HubbleFlow, protocols: readonly string[]): boolean {
  const l4 = flow.l4;
  const l7 = flow.l7;
  for (const protocol of protocols) {
    switch (protocol) {
      case 'icmp':
        if (l4?.ICMPv4 || l4?.ICMPv6) return true;
        break;
      case 'icmpv4':
        if (l4?.ICMPv4) return true;
        break;
      case 'icmpv6':
        if (l4?.ICMPv6) return true;
        break;
      case 'tcp':
        if (l4?.TCP) return true;
        break;
      case 'udp':
        if (l4?.UDP) return true;
        break;
      case 'sctp':
        if (l4?.SCTP) return true;
        break;
      case 'dns':
        if (l7?.dns) return true;
        break;
      case 'http':
        if (l7?.http) return true;
        break;
      case 'kafka':
        if (l7?.kafka) return true;
        break;
    }
  }
  return false;
}

/**
 * Whether a flow matches one whitelist rule, with the Hubble server's semantics: all set fields must match; a pod
 * entry `ns/prefix` matches an endpoint in namespace `ns` whose pod name starts with `prefix` (endpoints without
 * namespace and pod never match); ports match TCP, UDP and SCTP only; identities match exactly.
 *
 * @param flow - a normalised flow.
 * @param rule - one rule.
 * @see cilium/cilium `pkg/hubble/filters/` (`k8s.go`, `port.go`, `protocol.go`, `identity.go`, `verdict.go`)
 */
export function matchesRule(flow: HubbleFlow, rule: FlowFilterRule): boolean {
  if (rule.verdict && !rule.verdict.includes(flow.verdict as HubbleVerdictName)) return false;
  if (rule.source_pod && !endpointMatchesPod(flow.source, rule.source_pod)) return false;
  if (rule.destination_pod && !endpointMatchesPod(flow.destination, rule.destination_pod)) return false;
  if (rule.protocol && !matchesProtocol(flow, rule.protocol)) return false;
  if (rule.source_port || rule.destination_port) {
    const p = ports(flow);
    if (!p) return false;
    if (rule.source_port && !rule.source_port.includes(String(p.source))) return false;
    if (rule.destination_port && !rule.destination_port.includes(String(p.destination))) return false;
  }
  if (rule.source_identity && !rule.source_identity.includes(flow.source?.identity ?? 0)) return false;
  if (rule.destination_identity && !rule.destination_identity.includes(flow.destination?.identity ?? 0)) {
    return false;
  }
  return true;
}

/**
 * Whether a flow passes a filter's whitelist and time window (`last` is applied by the reader, not here).
 * A flow without a time never passes a filter that has `since` or `until`.
 *
 * @param flow - a normalised flow.
 * @param filter - the compiled filter.
 */
export function matchesFlowFilter(flow: HubbleFlow, filter: FlowFilter): boolean {
  if (filter.since || filter.until) {
    const t = flow.time === undefined ? undefined : parseTimestampMs(flow.time);
    if (t === undefined) return false;
    if (filter.since && t < filter.since.getTime()) return false;
    if (filter.until && t > filter.until.getTime()) return false;
  }
  if (filter.whitelist.length === 0) return true;
  for (const rule of filter.whitelist) {
    if (matchesRule(flow, rule)) return true;
  }
  return false;
}
