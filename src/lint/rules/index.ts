import type { Rule } from '../define-rule.js';
import accessGrantIneffective from './access-grant-ineffective.js';
import anyPort from './any-port.js';
import ccnpWildcardPeer from './ccnp-wildcard-peer.js';
import enforcementDisabledInGit from './enforcement-disabled-in-git.js';
import explicitDefaultDeny from './explicit-default-deny.js';
import hardcodedIp from './hardcoded-ip.js';
import invalidManifest from './invalid-manifest.js';
import invalidSuppression from './invalid-suppression.js';
import missingProfile from './missing-profile.js';
import namespaceInEndpointSelector from './namespace-in-endpoint-selector.js';
import notInKustomization from './not-in-kustomization.js';
import platformRequiredRules from './platform-required-rules.js';
import profileOnPlatformNamespace from './profile-on-platform-namespace.js';
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
  'not-in-kustomization': notInKustomization,
  'enforcement-disabled-in-git': enforcementDisabledInGit,
  'invalid-manifest': invalidManifest,
  'invalid-suppression': invalidSuppression,
  'unused-suppression': unusedSuppression,
} satisfies Record<RuleId, Rule>;
