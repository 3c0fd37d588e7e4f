import type { FQDNSelector } from '../repo/model.js';

/** Lower-cases and strips the trailing dot, as Cilium does before matching DNS names. */
function normalizeName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** Options of {@link fqdnPatternToRegExp} and {@link matchFqdn}. */
export interface FqdnMatchOptions {
  /**
   * Whether a leading `**.` matches one or more labels (`**.cilium.io` selects `a.cilium.io` and
   * `b.a.cilium.io`), as Cilium does from 1.19 (PR #43420, 1.19 upgrade notes); before, `**` is `*`.
   * Default: `false`.
   */
  readonly multiLevelPrefix?: boolean;
}

/**
 * Converts a `matchPattern` into a regular expression: `*` matches any run of DNS-name characters within
 * one label (`[-a-zA-Z0-9_]*`), a lone `*` matches every name; with `multiLevelPrefix`, a leading `**.`
 * matches one or more labels.
 * @see cilium/cilium pkg/fqdn/matchpattern/matchpattern.go; Cilium docs: security/policy/language (DNS based);
 *   PR #43420 (the `**.` prefix, 1.19).
 */
export function fqdnPatternToRegExp(pattern: string, options: FqdnMatchOptions = {}): RegExp {
  const p = normalizeName(pattern.trim());
  if (p === '*') return /^.*$/;
  if (options.multiLevelPrefix === true && p.startsWith('**.')) {
    const rest = fqdnPatternToRegExp(p.slice(3)).source.slice(1);
    return new RegExp(`^([-a-z0-9_]+\\.)+${rest}`);
  }
  const body = p
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[-a-z0-9_]*');
  return new RegExp(`^${body}$`);
}

/** Whether one of the peer's DNS names satisfies the toFQDNs selector (or DNS rule). */
export function matchFqdn(
  selector: FQDNSelector,
  names: readonly string[],
  options: FqdnMatchOptions = {},
): boolean {
  if (selector.matchName !== undefined) {
    const want = normalizeName(selector.matchName);
    return names.some((n) => normalizeName(n) === want);
  }
  if (selector.matchPattern !== undefined) {
    const re = fqdnPatternToRegExp(selector.matchPattern, options);
    return names.some((n) => re.test(normalizeName(n)));
  }
  return false;
}
