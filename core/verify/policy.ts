import type { MigrationRecord } from '../contract/report.js';

/** What the site forbids, turning warnings into failures (docs/rules.md, "Policy"). */
export interface Policy {
  /** Migration kinds whose data must not cross a gateway. */
  forbidGatewayCrossing: Set<MigrationRecord['kind']>;
  /** Only these inventory gateways count for the prohibition; null = any router. */
  gateways: string[] | null;
  unknownEndpoints: 'warn' | 'fail';
  source: string | null;
}

export const DEFAULT_POLICY: Policy = { forbidGatewayCrossing: new Set(), gateways: null, unknownEndpoints: 'warn', source: null };
