import type { FQDNSelector } from '../repo/model.js';

/** Lower-cases and strips the trailing dot, as Cilium does before matching DNS names. */
function normalizeName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/**
 * Converts a `matchPattern` into a regular expression: `*` matches any run of DNS-name characters within
 * one label (`[-a-zA-Z0-9_]*`), a lone `*` matches every name.
 * @see cilium/cilium pkg/fqdn/matchpattern/matchpattern.go; Cilium docs: security/policy/language (DNS based).
 */
export function fqdnPatternToRegExp(pattern: string): RegExp {
  const p = normalizeName(pattern.trim());
  if (p === '*') return /^.*$/;
  const body = p
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[-a-z0-9_]*');
  return new RegExp(`^${body}$`);
}

/** Whether one of the peer's DNS names satisfies the toFQDNs selector. */
export function matchFqdn(selector: FQDNSelector, names: readonly string[]): boolean {
  if (selector.matchName !== undefined) {
    const want = normalizeName(selector.matchName);
    return names.some((n) => normalizeName(n) === want);
  }
  if (selector.matchPattern !== undefined) {
    const re = fqdnPatternToRegExp(selector.matchPattern);
    return names.some((n) => re.test(normalizeName(n)));
  }
  return false;
}
