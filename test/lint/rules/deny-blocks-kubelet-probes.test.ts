import rule from '../../../src/lint/rules/deny-blocks-kubelet-probes.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';

const worker = (deny: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: worker, namespace: jobs }
    spec:
      endpointSelector: { matchLabels: { app: worker } }
      ingressDeny:
  ` + deny;

// docs/semantics.md §6.1 (a deny wins over every allow), §8.5 (allow-localhost admits the local host
// unless a deny matches), §4 (the all and cluster entities include host).
ruleTester.run(rule, {
  valid: [
    {
      name: 'a deny from world leaves the host alone',
      code: { 'p.yaml': worker('    - fromEntities: [world]\n') },
    },
    {
      name: 'a deny from all on one port only',
      code: {
        'p.yaml': worker(
          '    - fromEntities: [all]\n      toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]\n',
        ),
      },
    },
    {
      name: 'a deny from remote nodes only',
      code: { 'p.yaml': worker('    - fromEntities: [remote-node]\n') },
    },
  ],
  invalid: [
    {
      name: 'a deny from all',
      code: { 'p.yaml': worker('    - fromEntities: [all]\n') },
      errors: [{ messageId: 'blocksProbes', line: 7, column: 7 }],
    },
    {
      name: 'a deny from cluster',
      code: { 'p.yaml': worker('    - fromEntities: [cluster]\n') },
      errors: [{ messageId: 'blocksProbes', line: 7, column: 7 }],
    },
    {
      name: 'a deny from host',
      code: { 'p.yaml': worker('    - fromEntities: [host]\n') },
      errors: [{ messageId: 'blocksProbes', line: 7, column: 7 }],
    },
  ],
});
