import type { ScalarTag, Tags } from 'yaml';

const FLOAT_TAG = 'tag:yaml.org,2002:float';

/**
 * Plain scalars Kubernetes reads as floats (go-yaml's `yamlStyleFloat`, after removing `_`): digits are
 * required, so `.`, `e5` and `.e5` stay strings where `yaml`'s YAML 1.1 tags would read NaN.
 */
const FLOAT = /^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*\.[0-9_]*)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)[eE][-+]?[0-9]+$/;

/**
 * `yaml`'s YAML 1.1 tags narrowed to what Kubernetes resolves (go-yaml v2 under `sigs.k8s.io/yaml`):
 * floats need digits, and base-60 numbers (`1:20`) are not resolved, so they stay strings. Booleans
 * (`yes`, `on`), nulls, `0777` octal, `0x`/`0b` and `1_000` integers are YAML 1.1's, as in Kubernetes.
 * Timestamps are kept as their source text by the loader (`normalizeScalar`).
 * @see https://github.com/kubernetes-sigs/yaml goyaml.v2/resolve.go (resolve, yamlStyleFloat; "base-60
 *   floats … purposefully not supported")
 */
export function kubernetesScalarTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || !('test' in tag) || tag.test === undefined) return tag;
    const t = tag as ScalarTag;
    if (t.format === 'TIME') return { ...t, default: false };
    if (t.tag !== FLOAT_TAG) return t;
    if (t.format === 'EXP') return { ...t, test: FLOAT_EXP };
    if (t.format === undefined && t.test?.source.endsWith('\\.[0-9_]*$')) return { ...t, test: FLOAT };
    return t;
  });
}

/**
 * Options of every `yaml` pass that reads manifests (Composer, token path, parse workers, scalar
 * resolution): YAML 1.1 with Kubernetes' scalar resolution ({@link kubernetesScalarTags}).
 */
export const YAML_READ_OPTIONS = {
  version: '1.1',
  prettyErrors: false,
  customTags: kubernetesScalarTags,
} as const;

/**
 * Most nodes that aliases may add to a document when expanded, as `yaml`'s `maxAliasCount` counts them
 * (the library's default, 100, which every Kubernetes manifest we know of stays well under).
 */
export const MAX_ALIAS_COUNT = 100;
