import { RE2JS } from 're2js';

/**
 * Why `pattern` is not an RE2 regular expression, or null when it is. Cilium hands HTTP `method`, `path` and
 * `host` to Envoy, which compiles them with RE2 (Go's syntax: no lookaround, no backreferences), so a pattern
 * JavaScript accepts may still be rejected.
 * @param pattern - the regular expression as written in the policy.
 * @see cilium/cilium pkg/envoy (getHTTPRule: SafeRegexMatch with the GoogleRE2 engine)
 */
export function re2Problem(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
