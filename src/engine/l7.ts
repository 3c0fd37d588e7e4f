import type { RE2JS } from 're2js';
import type { DNSRule, HTTPRule } from '../repo/model.js';
import { re2js } from '../repo/re2.js';
import { type FqdnMatchOptions, matchFqdn } from './fqdn.js';

/** An HTTP request to evaluate against `rules.http` (`netpol trace --http METHOD PATH`). */
export interface HttpRequest {
  /** `GET`, `POST` … as sent (matched case-sensitively, as Envoy matches `:method`). */
  readonly method: string;
  /** The request target as sent, query included (Envoy's `:path`), e.g. `/api/v1/users?limit=5`. */
  readonly path: string;
  /** The `Host` header (Envoy's `:authority`); undefined when not given. */
  readonly host?: string;
  /** Request headers as name/value pairs (names case-insensitive). */
  readonly headers: readonly (readonly [string, string])[];
}

/** An L7 request a trace asks about: an HTTP request, or a DNS query name (`--dns NAME`). */
export type L7Request =
  | { readonly kind: 'http'; readonly http: HttpRequest }
  | { readonly kind: 'dns'; readonly name: string };

/** Whether a rule matched, with what the engine could not know offline. */
export interface L7RuleMatch {
  readonly match: boolean;
  /** A sentence when the decision rests on something not known offline (a Secret, a missing Host). */
  readonly caveat?: string;
}

const compiled = new Map<string, RE2JS>();

/**
 * Whether `value` matches `pattern` as a whole, with RE2 semantics (Envoy's `safe_regex` with the GoogleRE2
 * engine matches the full value): `GET|POST` matches `GET`, `/public` does not match `/public/x`.
 * A pattern that is not RE2 matches nothing (the loader reports it; Cilium rejects the policy).
 * @see cilium/cilium pkg/envoy getHTTPRule (HeaderMatcher_SafeRegexMatch, GoogleRe2)
 */
export function re2FullMatch(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = re2js().compile(pattern);
    } catch {
      return false;
    }
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.matches(value);
}

function header(req: HttpRequest, name: string): string | undefined {
  const want = name.toLowerCase();
  return req.headers.find(([k]) => k.toLowerCase() === want)?.[1];
}

/**
 * Whether an HTTP request satisfies one `rules.http` entry: every field that is set must match.
 * - `method`, `path`, `host`: RE2 regular expressions matched against the whole `:method`, `:path` (query
 *   included) and `:authority`; a rule with `host` and a request without one does not match (caveat).
 * - `headers`: `Name` requires the header; `Name value` (a `:` after the name is dropped) its exact value.
 * - `headerMatches`: `{name, value}` the exact value, `{name}` presence; a value held in a Secret is not
 *   known offline (caveat, not matched); a `mismatch` action other than the default lets the request through.
 * @see cilium/cilium pkg/envoy getHTTPRule; Cilium docs security/policy/language "HTTP"
 */
export function httpRuleMatches(rule: HTTPRule, req: HttpRequest): L7RuleMatch {
  if (rule.method !== undefined && !re2FullMatch(rule.method, req.method)) return { match: false };
  if (rule.path !== undefined && !re2FullMatch(rule.path, req.path)) return { match: false };
  if (rule.host !== undefined) {
    if (req.host === undefined) {
      return {
        match: false,
        caveat: `an http rule requires host "${rule.host}": give the request's Host with --http-host`,
      };
    }
    if (!re2FullMatch(rule.host, req.host)) return { match: false };
  }
  for (const h of rule.headers) {
    const space = h.indexOf(' ');
    const name = (space < 0 ? h : h.slice(0, space)).replace(/:+$/, '');
    const value = header(req, name);
    if (value === undefined) return { match: false };
    if (space >= 0 && value !== h.slice(space + 1)) return { match: false };
  }
  for (const m of rule.headerMatches) {
    if (m.mismatch !== undefined && m.mismatch !== 'FAIL') continue;
    const value = header(req, m.name);
    if (m.secret && m.value === undefined) {
      return {
        match: false,
        caveat: `an http rule requires header "${m.name}" to equal a value held in a Kubernetes Secret, which netpol cannot read offline`,
      };
    }
    if (value === undefined) return { match: false };
    if (m.value !== undefined && value !== m.value) return { match: false };
  }
  return { match: true };
}

/**
 * Whether a DNS query name satisfies one `rules.dns` entry: `matchName` exactly (case-insensitive, trailing dot
 * ignored), `matchPattern` with Cilium's wildcard (`*` matches DNS-name characters within one label, a lone
 * `*` every name; a leading `**.` one or more labels with `options.multiLevelPrefix`, Cilium 1.19+), as the DNS
 * proxy does.
 * @see cilium/cilium pkg/fqdn/matchpattern (ToRegexp); Cilium docs security/policy/language "DNS based"
 */
export function dnsRuleMatches(rule: DNSRule, name: string, options: FqdnMatchOptions = {}): boolean {
  return matchFqdn(rule, [name], options);
}

/** An HTTP rule in the words of the policy, for explanations (`GET /public host=x headers=[…]`). */
export function describeHttpRule(rule: HTTPRule): string {
  const parts: string[] = [];
  if (rule.method !== undefined) parts.push(`method ${rule.method}`);
  if (rule.path !== undefined) parts.push(`path ${rule.path}`);
  if (rule.host !== undefined) parts.push(`host ${rule.host}`);
  for (const h of rule.headers) parts.push(`header ${h}`);
  for (const m of rule.headerMatches) {
    parts.push(`header ${m.name}${m.value !== undefined ? `=${m.value}` : m.secret ? '=<secret>' : ''}`);
  }
  return parts.length === 0 ? 'any request' : parts.join(', ');
}

/** A DNS rule in the words of the policy. */
export function describeDnsRule(rule: DNSRule): string {
  return rule.matchName !== undefined ? `matchName ${rule.matchName}` : `matchPattern ${rule.matchPattern}`;
}

/** The request in words, for explanations: `GET /api (host example.com)` or `DNS example.com`. */
export function describeL7Request(req: L7Request): string {
  if (req.kind === 'dns') return `DNS query ${req.name}`;
  const h = req.http;
  return `${h.method} ${h.path}${h.host !== undefined ? ` (host ${h.host})` : ''}`;
}
