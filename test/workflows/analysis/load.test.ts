import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { HOMELAB_ROOT, homelabFiles } from '../../helpers/homelab.js';
import { useRepo } from '../../helpers/use-repo.js';

const SCHEMA = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../docs/netpol.config.schema.json'), 'utf8'),
) as object;

describe('loadForAnalysis', () => {
  it('warns when catalog.domain matches no policy (a typo hides every profile)', async () => {
    const files = homelabFiles();
    files['netpol.config.yaml'] = (files['netpol.config.yaml'] as string).replace(
      'domain: network-policy.homelab',
      'domain: network-polcy.homelab',
    );
    const repo = useRepo(files);
    const loaded = await loadForAnalysis({ root: repo.root });
    expect(loaded.catalog.profiles.size).toBe(0);
    expect(loaded.diagnostics.filter((d) => d.code.startsWith('CONFIG'))).toEqual([
      {
        code: 'CONFIG_UNUSED_DOMAIN',
        severity: 'warning',
        message:
          'catalog.domain "network-polcy.homelab" matches no policy: none selects the namespace label network-polcy.homelab/profile, access.network-polcy.homelab/<grant> or network-polcy.homelab/enforcement, so there are no profiles or access grants.',
        source: { file: 'netpol.config.yaml', line: 22, column: 11, endLine: 22, endColumn: 32 },
        path: ['catalog', 'domain'],
        hint: 'Correct the spelling to the label domain your profile policies select, or remove catalog.domain so it is derived from them.',
      },
    ]);
  });

  it('says nothing about the domain when the policies use it', async () => {
    const loaded = await loadForAnalysis({ root: HOMELAB_ROOT });
    expect(loaded.diagnostics.filter((d) => d.code.startsWith('CONFIG'))).toEqual([]);
    expect(loaded.catalog.profiles.size).toBe(4);
  });
});

describe('docs/netpol.config.schema.json', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA);

  it('accepts the example configuration and the one docs/config.md shows', () => {
    expect(validate(parse(readFileSync(path.join(HOMELAB_ROOT, 'netpol.config.yaml'), 'utf8')))).toBe(true);
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/config.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    expect(validate(parse(example, { version: '1.1' }))).toBe(true);
  });

  it('rejects what readConfig rejects', () => {
    expect(validate({ catalog: { domain: 'Bad_Domain' } })).toBe(false);
    expect(validate({ catalog: { platformNamespaces: ['Bad_NS', 5] } })).toBe(false);
    expect(validate({ clustr: {} })).toBe(false);
    expect(validate({ cluster: { policyEnforcementMode: 'strict' } })).toBe(false);
  });
});
