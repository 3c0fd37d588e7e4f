// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Flux ${var} placeholders, not templates.
import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import type { CiliumPolicyObject } from '../../src/repo/model.js';
import { expandVariables } from '../../src/repo/substitute.js';
import { yaml } from '../helpers/use-repo.js';

// Cases follow Flux's post-build substitution docs and the fluxcd/pkg envsubst README.
describe('expandVariables', () => {
  const vars = { env: 'prod', empty: '', region: 'eu-central-1', name: 'Web', cidr: '10.0.0.0/8' };

  it.each([
    ['${env}', 'prod', []],
    ['cluster-${env}-x', 'cluster-prod-x', []],
    ['${missing:=dev}', 'dev', []],
    ['${empty:=dev}', 'dev', []],
    ['${env:=dev}', 'prod', []],
    ['${missing:-dev}', 'dev', []],
    ['${empty:-dev}', 'dev', []],
    ['${empty=dev}', '', []],
    ['${missing=dev}', 'dev', []],
    ['${empty-dev}', '', []],
    ['${missing:=${env}}', 'prod', []],
    ['$${env}', '${env}', []],
    ['a$$b', 'a$b', []],
    ['$env', '$env', []],
    ['${#region}', '12', []],
    ['${name^^}', 'WEB', []],
    ['${name,,}', 'web', []],
    ['${name,}', 'web', []],
    ['${env^}', 'Prod', []],
    ['${region:3}', 'central-1', []],
    ['${region:0:2}', 'eu', []],
    ['${region#*-}', 'central-1', []],
    ['${region##*-}', '1', []],
    ['${region%-*}', 'eu-central', []],
    ['${region%%-*}', 'eu', []],
    ['${region/-/_}', 'eu_central-1', []],
    ['${region//-/_}', 'eu_central_1', []],
    ['${region/#eu/us}', 'us-central-1', []],
    ['${region/%1/2}', 'eu-central-2', []],
    ['${missing}', '${missing}', ['missing']],
    ['${a}-${b}', '${a}-${b}', ['a', 'b']],
    ['${missing^^}', '${missing^^}', ['missing']],
    ['${1x}', '${1x}', ['${1x}']],
    ['${env:?oops}', '${env:?oops}', ['${env:?oops}']],
    ['${unclosed', '${unclosed', []],
    ['plain text', 'plain text', []],
  ])('%s → %s', (text, value, unresolved) => {
    const result = expandVariables(text, vars);
    expect(result.value).toBe(value);
    expect(result.unresolved.map((u) => u.name)).toEqual(unresolved);
  });
});

describe('Substitution (through loadRepoFromText)', () => {
  const policy = (body: string) => yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: \${app:=web}
      namespace: \${ns}
    spec:
      endpointSelector: {matchLabels: {app: "\${app:=web}"}}
      egress:
        - toCIDR: ["\${egress_cidr}"]
          toPorts:
            - ports:
                - port: "\${port}"
                  endPort: \${end_port}
  ${body}`;

  it('substitutes values, resolves unquoted results again, and keeps quoted ones as strings', () => {
    const { repo, diagnostics } = loadRepoFromText(
      { 'p.yaml': policy('') },
      { vars: { ns: 'shop', egress_cidr: '10.0.0.0/8', port: '8000', end_port: '8080' } },
    );
    expect(diagnostics).toEqual([]);
    const p = repo.policies[0] as CiliumPolicyObject;
    expect(p.name).toBe('web');
    expect(p.namespace).toBe('shop');
    const egress = p.rules[0]?.egress?.[0];
    expect(egress?.cidrs?.map((c) => c.cidr)).toEqual(['10.0.0.0/8']);
    expect(egress?.toPorts[0]?.ports[0]).toMatchObject({ port: 8000, endPort: 8080 });
  });

  it('reports each unresolved variable once per repository, at its first use, and leaves it as written', () => {
    const { repo, diagnostics } = loadRepoFromText(
      { 'a.yaml': policy(''), 'b.yaml': policy('') },
      { vars: { port: '1' } },
    );
    expect(
      diagnostics
        .filter((d) => d.code === 'UNRESOLVED_VARIABLE')
        .map((d) => [d.message.split('"')[1], d.source?.file, d.source?.line, d.source?.column]),
    ).toEqual([
      ['ns', 'a.yaml', 5, 14],
      ['egress_cidr', 'a.yaml', 9, 17],
      ['end_port', 'a.yaml', 13, 24],
    ]);
    expect(repo.policies[0]?.namespace).toBe('${ns}');
    expect((repo.policies[0] as CiliumPolicyObject).rules[0]?.egress?.[0]?.cidrs?.[0]).toMatchObject({
      unresolved: true,
    });
  });

  it('skips objects labelled or annotated kustomize.toolkit.fluxcd.io/substitute: disabled', () => {
    const text = yaml`
      apiVersion: v1
      kind: Namespace
      metadata:
        name: raw
        annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}
        labels: {team: "\${team}"}
    `;
    const { repo, diagnostics } = loadRepoFromText({ 'ns.yaml': text }, { vars: { team: 'a' } });
    expect(diagnostics).toEqual([]);
    expect(repo.namespaces[0]?.labels.team).toBe('${team}');
  });

  it('substitutes in map keys too', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns1\n  labels:\n    ${domain}/profile: standard\n';
    const { repo } = loadRepoFromText({ 'ns.yaml': text }, { vars: { domain: 'netpol.example.com' } });
    expect(repo.namespaces[0]?.labels).toEqual({
      'netpol.example.com/profile': 'standard',
      'kubernetes.io/metadata.name': 'ns1',
    });
  });
});
