import { describe, expect, it } from 'vitest';
import { readLintConfig } from '../../src/lint/lint-config.js';
import { rules } from '../../src/lint/rules/index.js';
import { documentValue, parseYamlFile } from '../../src/repo/documents.js';
import { yaml } from '../helpers/use-repo.js';

function read(text: string) {
  const doc = parseYamlFile('netpol.config.yaml', text).documents[0];
  const value = doc ? (documentValue(doc) as Record<string, unknown>) : {};
  return readLintConfig(value.lint, rules, doc);
}

describe('readLintConfig', () => {
  it('reads severities, off, options and the cidrAllowList alias', () => {
    const { config, diagnostics } = read(yaml`
      lint:
        cidrAllowList: [10.0.0.0/8]
        rules:
          missing-profile: "off"
          any-port: warning
        platform-required-rules:
          probePort: 9000
          meshLabel: mesh=on
    `);
    expect(diagnostics).toEqual([]);
    expect(config).toEqual({
      severities: { 'missing-profile': 'off', 'any-port': 'warning' },
      options: {
        'hardcoded-ip': { allowList: ['10.0.0.0/8'] },
        'platform-required-rules': { probePort: 9000, meshLabel: 'mesh=on' },
      },
    });
  });

  it('reports bad values as errors at their position and ignores them; unknown keys as warnings', () => {
    const { config, diagnostics } = read(yaml`
      lint:
        cidrAllowList: [10.0.0.0/33]
        rules:
          any-port: warn
          anyport: error
        platform-required-rules:
          probePort: "9000"
          dnsPeer: world
          hbonPort: 1
        hardcoded-ip: [1]
        colour: true
    `);
    expect(config).toEqual({ severities: {}, options: {} });
    expect(diagnostics.map((d) => [d.severity, d.source?.line, d.source?.column, d.message, d.hint])).toEqual(
      [
        [
          'error',
          2,
          18,
          'Option "allowList" of rule "hardcoded-ip": "10.0.0.0/33" is not a CIDR; the default is used.',
          'See docs/rules/hardcoded-ip.md for its options.',
        ],
        [
          'error',
          4,
          15,
          'The setting "warn" of rule "any-port" is not one of off, info, warning, error; the rule\'s default applies.',
          'Did you mean "warning"?',
        ],
        ['warning', 5, 5, 'Unknown rule "anyport" in lint.rules; it is ignored.', 'Did you mean "any-port"?'],
        [
          'error',
          7,
          16,
          'Option "probePort" of rule "platform-required-rules": it must be a number, not the string "9000"; the default is used.',
          'See docs/rules/platform-required-rules.md for its options.',
        ],
        [
          'error',
          8,
          14,
          'Option "dnsPeer" of rule "platform-required-rules": "world" is not a peer (world needs an address: write world:IP, e.g. world:1.1.1.1); the default is used.',
          'See docs/rules/platform-required-rules.md for its options.',
        ],
        [
          'warning',
          9,
          5,
          'Rule "platform-required-rules" has no option "hbonPort"; it is ignored.',
          'Did you mean "hbonePort"?',
        ],
        [
          'error',
          10,
          17,
          'The options of rule "hardcoded-ip" must be a mapping, not a list.',
          'See "Configuration" in docs/commands/lint.md.',
        ],
        [
          'warning',
          11,
          3,
          'Unknown lint setting "colour"; it is ignored.',
          'See "Configuration" in docs/commands/lint.md.',
        ],
      ],
    );
    expect(
      diagnostics.every((d) => d.code === 'CONFIG_INVALID' && d.source?.file === 'netpol.config.yaml'),
    ).toBe(true);
  });

  it('accepts no section, and rejects a section that is not a mapping', () => {
    expect(readLintConfig(undefined, rules)).toEqual({
      config: { severities: {}, options: {} },
      diagnostics: [],
    });
    expect(readLintConfig('strict', rules).diagnostics.map((d) => [d.message, d.source])).toEqual([
      [
        'lint must be a mapping, not the string "strict".',
        { file: 'netpol.config.yaml', line: 1, column: 1 },
      ],
    ]);
  });
});
