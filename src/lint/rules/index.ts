import type { Rule } from '../define-rule.js';
import accessGrantIneffective from './access-grant-ineffective.js';
import anyPort from './any-port.js';
import ccnpWildcardPeer from './ccnp-wildcard-peer.js';
import cnpWildcardPeerOwnNamespace from './cnp-wildcard-peer-own-namespace.js';
import defaultDenyDisabledEverywhere from './default-deny-disabled-everywhere.js';
import denyBlocksKubeletProbes from './deny-blocks-kubelet-probes.js';
import denyRuleEnablesDefaultDeny from './deny-rule-enables-default-deny.js';
import enforcementDisabledInGit from './enforcement-disabled-in-git.js';
import explicitDefaultDeny from './explicit-default-deny.js';
import fqdnWithoutDnsProxy from './fqdn-without-dns-proxy.js';
import hardcodedIp from './hardcoded-ip.js';
import healthEndpointDefaultDeny from './health-endpoint-default-deny.js';
import invalidManifest from './invalid-manifest.js';
import invalidSuppression from './invalid-suppression.js';
import misleadingEmptyRules from './misleading-empty-rules.js';
import missingProfile from './missing-profile.js';
import namespaceInEndpointSelector from './namespace-in-endpoint-selector.js';
import notInKustomization from './not-in-kustomization.js';
import platformRequiredRules from './platform-required-rules.js';
import profileOnPlatformNamespace from './profile-on-platform-namespace.js';
import selectorMatchesNoWorkload from './selector-matches-no-workload.js';
import unknownAccessGrant from './unknown-access-grant.js';
import unknownProfile from './unknown-profile.js';
import unusedSuppression from './unused-suppression.js';

/** The id of every built-in lint rule (the file name of its module and of its docs/rules page). */
export type RuleId =
  | 'profile-on-platform-namespace'
  | 'unknown-profile'
  | 'missing-profile'
  | 'unknown-access-grant'
  | 'explicit-default-deny'
  | 'hardcoded-ip'
  | 'any-port'
  | 'platform-required-rules'
  | 'access-grant-ineffective'
  | 'ccnp-wildcard-peer'
  | 'namespace-in-endpoint-selector'
  | 'deny-rule-enables-default-deny'
  | 'misleading-empty-rules'
  | 'deny-blocks-kubelet-probes'
  | 'cnp-wildcard-peer-own-namespace'
  | 'health-endpoint-default-deny'
  | 'default-deny-disabled-everywhere'
  | 'fqdn-without-dns-proxy'
  | 'selector-matches-no-workload'
  | 'not-in-kustomization'
  | 'enforcement-disabled-in-git'
  | 'invalid-manifest'
  | 'invalid-suppression'
  | 'unused-suppression';

/** Every built-in rule by id, in the order they run and are listed (SARIF `tool.driver.rules`). */
export const rules = {
  'profile-on-platform-namespace': profileOnPlatformNamespace,
  'unknown-profile': unknownProfile,
  'missing-profile': missingProfile,
  'unknown-access-grant': unknownAccessGrant,
  'explicit-default-deny': explicitDefaultDeny,
  'hardcoded-ip': hardcodedIp,
  'any-port': anyPort,
  'platform-required-rules': platformRequiredRules,
  'access-grant-ineffective': accessGrantIneffective,
  'ccnp-wildcard-peer': ccnpWildcardPeer,
  'namespace-in-endpoint-selector': namespaceInEndpointSelector,
  'deny-rule-enables-default-deny': denyRuleEnablesDefaultDeny,
  'misleading-empty-rules': misleadingEmptyRules,
  'deny-blocks-kubelet-probes': denyBlocksKubeletProbes,
  'cnp-wildcard-peer-own-namespace': cnpWildcardPeerOwnNamespace,
  'health-endpoint-default-deny': healthEndpointDefaultDeny,
  'default-deny-disabled-everywhere': defaultDenyDisabledEverywhere,
  'fqdn-without-dns-proxy': fqdnWithoutDnsProxy,
  'selector-matches-no-workload': selectorMatchesNoWorkload,
  'not-in-kustomization': notInKustomization,
  'enforcement-disabled-in-git': enforcementDisabledInGit,
  'invalid-manifest': invalidManifest,
  'invalid-suppression': invalidSuppression,
  'unused-suppression': unusedSuppression,
} satisfies Record<RuleId, Rule>;
