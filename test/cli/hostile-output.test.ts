import { describe, expect, it } from 'vitest';
import { relayErrorText } from '../../src/hubble/relay-client.js';
import { boundText, MAX_MESSAGE_CHARS } from '../../src/repo/truncate.js';
import { runCli } from '../helpers/cli.js';
import { useRepo } from '../helpers/use-repo.js';

const BIG = 'x'.repeat(200_000);

/** A repository whose every echoed value is 200,000 characters long. */
function hostileRepo() {
  return useRepo({
    'kustomization.yaml': `resources: ["${BIG}", ns.yaml]\n`,
    'ns.yaml': [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: web',
      '  labels:',
      `    a: "${BIG}"`,
      '    team: {x: 1}',
      `    ${BIG}: b`,
      '---',
      'apiVersion: cilium.io/v2',
      'kind: CiliumNetworkPolicy',
      'metadata: {name: p, namespace: web}',
      'spec:',
      '  endpointSelector: {}',
      `  ${BIG}: 1`,
      `  ingress: [{fromEntities: ["${BIG}"], toPorts: [{ports: [{port: "${BIG}"}]}]}]`,
      '',
    ].join('\n'),
  });
}

describe('echoed values are bounded', () => {
  it.each([['text'], ['json'], ['sarif']])(
    'lint -o %s of 1 MB of hostile values prints a few KB',
    async (output) => {
      const repo = hostileRepo();
      const r = await runCli(['lint', '-R', repo.root, '-o', output]);
      expect(r.code).toBe(2);
      expect(r.stdout.length + r.stderr.length).toBeLessThan(40_000);
      expect(r.stdout + r.stderr).toContain('x…');
      expect(r.stdout + r.stderr).not.toContain('[object Object]');
    },
  );

  it('a mapping label value gets a hint without [object Object]', async () => {
    const repo = useRepo({
      'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels:\n    team: {x: 1}\n',
    });
    const r = await runCli(['lint', '-R', repo.root]);
    expect(r.stdout).toContain('A value is one string: write team: "…" (a mapping cannot be a value).');
  });

  it('drops with a 5,000-character namespace in a flow is quick and bounded (no table hang)', async () => {
    const line = JSON.stringify({
      flow: {
        verdict: 'DROPPED',
        drop_reason_desc: 'POLICY_DENIED',
        source: { namespace: 'n'.repeat(5000), labels: ['k8s:a=b'] },
        destination: { namespace: 'web' },
        l4: { TCP: { destination_port: 80 } },
      },
    });
    const start = performance.now();
    const r = await runCli(['drops', '--flows', '-', '-R', 'examples/homelab'], { stdin: `${line}\n` });
    expect(performance.now() - start).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeLessThan(8_000);
  });

  it('boundText cuts long words and long texts', () => {
    // The closing quote and punctuation stay after the ellipsis (fresh-user-3 #17).
    expect(boundText(`value "${'y'.repeat(100)}" is bad`)).toBe(`value "${'y'.repeat(77)}…" is bad`);
    expect(boundText(`file "${'y'.repeat(100)}".`)).toBe(`file "${'y'.repeat(76)}…".`);
    expect(boundText(`word ${'y'.repeat(100)} here`)).toBe(`word ${'y'.repeat(79)}… here`);
    expect(boundText('a '.repeat(5000)).length).toBe(MAX_MESSAGE_CHARS);
  });
});

describe('relayErrorText', () => {
  it.each([
    [
      'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
      'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1',
    ],
    ['No connection established. Resolution note: .', 'No connection established'],
    [
      'Name resolution failed. Resolution note: DNS said no.',
      'Name resolution failed. Resolution note: DNS said no',
    ],
  ])('%j → %j', (details, text) => {
    expect(relayErrorText({ details })).toBe(text);
  });
});
