/** Every rule, in the order findings are reported. Adding a rule is one entry (and a section in docs/rules.md). */
import { dropsRule, duplicatesRule, migrationFlowLimitRule, missingBytesRule, oneDirectionRule, slicedRule } from './capture-quality-rules.js';
import { duplicateIpRule, inferredInventoryRule, multipleProvisioningRule, noProvisioningRule, serviceNetstackRule, vmotionPeerRule } from './configuration-rules.js';
import { gatewayRule } from './gateway-rule.js';
import { asymmetricRule, coldPathRule, hotPathRule, udtRule, unknownEndpointRule } from './migration-rules.js';
import type { FlowRule, Rule } from './rule.js';

export const RULES: readonly (Rule | FlowRule)[] = [
  inferredInventoryRule,
  hotPathRule,
  coldPathRule,
  udtRule,
  gatewayRule,
  unknownEndpointRule,
  asymmetricRule,
  noProvisioningRule,
  multipleProvisioningRule,
  serviceNetstackRule,
  duplicateIpRule,
  vmotionPeerRule,
  slicedRule,
  dropsRule,
  oneDirectionRule,
  missingBytesRule,
  duplicatesRule,
  migrationFlowLimitRule,
];
