import type { Inventory } from '../contract/inventory.js';
import type { AnalysisReport, FindingRecord } from '../contract/report.js';
import { attribute, classify, epochSeconds } from './attribute.js';
import { inferInventory } from './infer.js';
import { InventoryIndex } from './inventory-index.js';
import { groupMigrations } from './migrations.js';
import { arpTable, pathOf, type PathVerdict } from './path.js';
import { DEFAULT_POLICY, type Policy } from './policy.js';
import { RULES } from './rules/index.js';
import { EvidenceList, type RuleContext } from './rules/rule.js';

/**
 * The verification stage: attribute every flow to hosts and vmks, refine its class, group
 * migrations, read each flow's path, and run every rule. Without an inventory, one is inferred
 * from the capture and verdicts that need a real one say so.
 */
export function verify(report: AnalysisReport, inventory: Inventory | null, policy: Policy = DEFAULT_POLICY): AnalysisReport {
  const inv = inventory ?? inferInventory(report.flows);
  const index = new InventoryIndex(inv);
  const flows = attribute(index, report.flows);
  const rarp = report.captures.flatMap((c) => c.rarp.map((r) => epochSeconds(r.time)));
  classify(flows, rarp);
  const several = report.captures.length > 1;
  const frame = (capture: number, n: number): string => (several ? `capture ${capture + 1} frame ${n}` : `frame ${n}`);
  const arp = report.captures.map(arpTable);
  const paths = new Map<(typeof flows)[number], PathVerdict>();
  for (const f of flows) {
    const p = pathOf(f, index, arp[f.record.capture], (n) => frame(f.record.capture, n), inv.inferred);
    paths.set(f, p);
    f.record.path = { routed: p.routed, gateway: p.gateway, evidence: p.evidence.map((e) => e.text) };
  }
  const migrations = groupMigrations(flows);
  const ctx: RuleContext = { index, inferred: inv.inferred, flows, migrations, paths, captures: report.captures, policy, frame };
  const findings: FindingRecord[] = [];
  for (const rule of RULES) {
    for (const v of rule.check(ctx)) findings.push({ id: `v${findings.length + 1}`, rule: rule.id, category: rule.category, ...v, evidence: EvidenceList.of(v.evidence).toArray() });
  }
  const summary = { pass: 0, fail: 0, warn: 0, info: 0 };
  for (const f of findings) summary[f.status]++;
  return { ...report, migrations: migrations.map((m) => m.record), findings, summary, inventory: inv };
}
