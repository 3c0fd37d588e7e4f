import type { RenderedFile, SystemOptions } from './system-options.js';

/** Where the runbooks live in a GitOps tree; the alerts' `runbook_url` points at the first. */
export const RUNBOOKS = {
  escapeHatch: 'docs/runbooks/network-policy-escape-hatch.md',
  verification: 'docs/runbooks/network-policy-verification.md',
} as const;

/**
 * Renders the two runbooks the seed cross-references (`docs/runbooks/network-policy-escape-hatch.md`,
 * `network-policy-verification.md`), written in terms of netpol's commands and this system's labels,
 * namespaces and shared resources.
 * @param o - The system's options (domain, gateway and monitoring namespaces, shared resources).
 * @returns The two files.
 */
export function renderRunbooks(o: SystemOptions): RenderedFile[] {
  const label = `${o.domain}/enforcement`;
  const first = o.sharedResources[0];
  const resourceLines = o.sharedResources.map(
    (r) =>
      `hubble observe --namespace <ns> --to-namespace ${r.namespace} --port ${r.port.port} --since 5m   # ${r.description} (access.${o.domain}/${r.name})`,
  );
  const escapeHatch = `# Runbook: network-policy escape hatch

Alerts: \`NetworkPolicyEnforcementDisabled\` (warning, after 5 minutes) and
\`NetworkPolicyEnforcementDisabledLong\` (critical, after 24 hours) fire while a namespace carries
\`${label}=disabled\` (network-policy/alerts/escape-hatch.yaml).

Use the escape hatch only when network policies block legitimate traffic and you need immediate relief.
It opens only the namespace's own side (network-policy/baselines/escape-hatch.yaml): flows to a shared
resource still need its access grant${first ? ` (e.g. \`access.${o.domain}/${first.name}: "true"\` for ${first.namespace}:${first.port.port})` : ''}.

## 1. Disable enforcement

\`\`\`sh
netpol escape-hatch disable <ns> --reason "INC-123: <symptom>" --for 2h --dry-run   # what it opens
netpol escape-hatch disable <ns> --reason "INC-123: <symptom>" --for 2h
\`\`\`

netpol refuses platform namespaces (without \`--force\`) and clusters without the escape-hatch baseline,
records who, when, why and until when on the namespace (annotations and an Event), and needs the
ClusterRole \`netpol-escape-hatch\`. By hand: \`kubectl label namespace <ns> ${label}=disabled\`.

## 2. Verify traffic flows

\`\`\`sh
hubble observe --namespace <ns> --since 1m
netpol verify <ns> --since 5m
\`\`\`

## 3. Investigate the root cause

\`\`\`sh
netpol drops <ns> --since 30m      # each drop, its cause and the git change that fixes it
netpol discover <ns> --since 30m   # the least-privileged profile and grants for the flows observed
netpol status <ns> --live          # labels and policies, git against the cluster
\`\`\`

## 4. Fix the policy (via GitOps)

Apply the fix through a pull request — never \`kubectl apply\` on integration/live:

\`\`\`sh
netpol drops <ns> --since 30m --fix   # writes the label changes into the Namespace manifest
netpol diff --base origin/main        # the connectivity the change opens and closes, for the PR
\`\`\`

Once merged and reconciled, \`netpol drift\` must be clean (exit 0).

## 5. Re-enable enforcement

\`\`\`sh
netpol escape-hatch enable <ns>
\`\`\`

It prints how long enforcement was off and the \`netpol drops\` run for the flows seen meanwhile.
\`netpol escape-hatch list\` shows every namespace still disabled, in every cluster, with its alerts.
By hand: \`kubectl label namespace <ns> ${label}-\`.
`;
  const verification = `# Runbook: network-policy verification

After deploying an application or changing its namespace's labels (\`${o.domain}/profile\`,
\`access.${o.domain}/<name>\`), check that the cluster does what git says.

## 1. Git and the cluster agree

\`\`\`sh
netpol status <ns> --live   # profile, grants, enforcement, every policy selecting its pods: git vs cluster
netpol drift                # every cluster of netpol.config.yaml: labels, policies, who changed them
\`\`\`

\`drift\` exits 1 on any difference; a policy last written by kubectl on a live cluster is an error.

## 2. No dropped traffic

\`\`\`sh
netpol verify <ns> --since 5m   # DNS, shared resources, internet egress, gateway ingress, scrape
netpol drops <ns> --since 5m    # each policy drop, its cause and the git change that fixes it
\`\`\`

By hand, the same flows:

\`\`\`sh
hubble observe --namespace <ns> --protocol UDP --port 53 --since 5m
${resourceLines.join('\n')}
hubble observe --namespace <ns> --to-identity world --port 443 --since 5m
hubble observe --from-namespace ${o.gatewayNamespace} --to-namespace <ns> --since 5m
hubble observe --from-namespace ${o.monitoringNamespace} --to-namespace <ns> --since 5m
\`\`\`

## 3. Expected connectivity

\`\`\`sh
${first ? `netpol trace <ns> ${first.namespace} --port ${first.port.port}   # verdict and the rules that decided it` : 'netpol trace <ns> <peer> --port <port>   # verdict and the rules that decided it'}
netpol matrix   # what every namespace can reach
\`\`\`

In an emergency, follow the escape-hatch runbook (network-policy-escape-hatch.md).
`;
  return [
    { path: RUNBOOKS.escapeHatch, text: escapeHatch },
    { path: RUNBOOKS.verification, text: verification },
  ];
}
