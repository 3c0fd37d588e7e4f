import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/access-grant-ineffective.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { lintWith, ruleTester } from '../rule-tester.js';
import { BASELINES, config, docs, namespace } from '../snippets.js';

const grant = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata:
    name: access-postgres
  spec:
    endpointSelector:
      matchLabels:
        io.cilium.k8s.namespace.labels.access.np.test/postgres: "true"
    egress:
      - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: database } }]
        toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]
`;
const server = (port: string, selector = '{}') => yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: postgres
    namespace: database
  spec:
    endpointSelector: ${selector}
    ingress:
      - fromEndpoints:
          - matchLabels:
              io.cilium.k8s.namespace.labels.access.np.test/postgres: "true"
        toPorts: [{ ports: [{ port: "${port}", protocol: TCP }] }]
`;
const postgresPod = yaml`
  apiVersion: apps/v1
  kind: StatefulSet
  metadata: { name: postgres, namespace: database }
  spec:
    selector: { matchLabels: { app: postgres } }
    template:
      metadata: { labels: { app: postgres } }
      spec:
        containers:
          - name: postgres
            image: postgres
            ports: [{ name: pg, containerPort: 5432 }]
`;
const client = namespace('shop', { 'access.np.test/postgres': 'true' });

ruleTester.run(rule, {
  valid: [
    {
      name: 'both halves of the grant',
      code: {
        'netpol.config.yaml': config(),
        'all.yaml': docs(BASELINES, grant, namespace('database'), server('5432'), client),
      },
    },
    {
      name: 'the server side selects the workload that listens on the port',
      code: {
        'netpol.config.yaml': config(),
        'all.yaml': docs(
          BASELINES,
          grant,
          namespace('database'),
          server('5432', '{ matchLabels: { app: postgres } }'),
          postgresPod,
          client,
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'the resource namespace admits another port',
      code: {
        'netpol.config.yaml': config(),
        'all.yaml': docs(BASELINES, grant, namespace('database'), server('5433'), client),
      },
      errors: [{ messageId: 'grantDenied', line: 29, column: 1 }],
    },
    {
      name: 'the grant works, but a namespace with it denies its own egress to the resource',
      code: {
        'netpol.config.yaml': config(),
        'all.yaml': docs(
          BASELINES,
          grant,
          namespace('database'),
          server('5432'),
          client,
          yaml`
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: { name: no-db, namespace: shop }
            spec:
              endpointSelector: {}
              egressDeny:
                - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: database } }]
          `,
        ),
      },
      errors: [{ messageId: 'namespaceDenied', line: 64, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'access.yaml', line: 2, column: 1 });

describe('access-grant-ineffective hints', () => {
  it('points at the resource side when the resource denies, at the grant policy when the client side does', () => {
    const resourceSide = lintWith(rule, {
      'netpol.config.yaml': config(),
      'all.yaml': docs(BASELINES, grant, namespace('database'), server('5433'), client),
    });
    expect(resourceSide.map((f) => f.hint)).toEqual([
      'Admit the label on the resource side too (an ingress rule fromEndpoints access.np.test/postgres: "true" on 5432/TCP in namespace "database").',
    ]);
    const denyAll = yaml`
      apiVersion: cilium.io/v2
      kind: CiliumClusterwideNetworkPolicy
      metadata: { name: no-database }
      spec:
        endpointSelector: {}
        egressDeny:
          - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: database } }]
    `;
    const clientSide = lintWith(rule, {
      'netpol.config.yaml': config(),
      'all.yaml': docs(BASELINES, grant, namespace('database'), server('5432'), client, denyAll),
    });
    expect(clientSide.map((f) => [f.message, f.hint])).toEqual([
      [
        'Access grant "postgres" does not reach database:5432/TCP: a namespace labelled access.np.test/postgres="true" is denied at the egress of a postgres client (denied by CiliumClusterwideNetworkPolicy/no-database egressDeny[0]).',
        "Allow the egress in the grant's policy CiliumClusterwideNetworkPolicy/access-postgres: a client of the grant is denied on its own side.",
      ],
    ]);
  });
});
