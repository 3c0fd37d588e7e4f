import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';

/** Loads CommonJS libraries from node_modules when first needed (see {@link re2js}). */
const requireLibrary = createRequire(import.meta.url);
let loaded: typeof RE2JSClass | undefined;

/**
 * re2js's `RE2JS` class, loaded on first call: most repositories have no HTTP `method`, `path` or `host`
 * pattern, and the library is a quarter of the code `netpol trace` would otherwise compile at start-up
 * (docs/decisions.md, "Start-up"). Its CommonJS build is the same code as its ES module.
 * @returns The class (`RE2JS.compile(pattern)` throws on a pattern that is not RE2).
 */
export function re2js(): typeof RE2JSClass {
  loaded ??= (requireLibrary('re2js') as typeof import('re2js')).RE2JS;
  return loaded;
}

/**
 * Why `pattern` is not an RE2 regular expression, or null when it is. Cilium hands HTTP `method`, `path` and
 * `host` to Envoy, which compiles them with RE2 (Go's syntax: no lookaround, no backreferences), so a pattern
 * JavaScript accepts may still be rejected.
 * @param pattern - the regular expression as written in the policy.
 * @see cilium/cilium pkg/envoy (getHTTPRule: SafeRegexMatch with the GoogleRE2 engine)
 */
export function re2Problem(pattern: string): string | null {
  try {
    re2js().compile(pattern);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
