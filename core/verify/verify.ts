import type { Inventory } from '../contract/inventory.js';
import { SCHEMA_VERSION, type CaptureRecord, type FindingRecord, type FlowRecord, type ReportHead, type ToolInfo } from '../contract/report.js';
import { attribute, classify, epochSeconds, type AttributedFlow, type EndpointRole } from './attribute.js';
import { inferInventory } from './infer.js';
import { InventoryIndex } from './inventory-index.js';
import { groupMigrations } from './migrations.js';
import { arpTable, pathOf, type ArpTable, type PathVerdict } from './path.js';
import { DEFAULT_POLICY, type Policy } from './policy.js';
import { RULES } from './rules/index.js';
import { EvidenceList, type FlowCheck, type RuleContext, type Verdict } from './rules/rule.js';

/**
 * Flows that can take part in a migration or tell hosts from vCenter: TCP 8000 (vMotion, UDT
 * data), TCP 902 (NFC, UDT control) and UDP 902 (heartbeats) that carried data. Their classes
 * depend on each other (UDT needs a 902 session beside the 8000 streams), so they are held
 * together; every other flow is judged on its own. A scan of port 8000 or 902 carries none.
 */
export function isMigrationCandidate(r: FlowRecord): boolean {
  return (r.server.port === 902 || (r.protocol === 'tcp' && r.server.port === 8000)) && r.payloadBytes > 0;
}

/**
 * Migration candidates held at most: about 0.5 GB of records. A site moves far fewer streams in
 * one capture; past it, flows are still counted and listed, but not grouped or judged
 * (capture-quality.migration-flow-limit says so).
 */
export const MAX_MIGRATION_CANDIDATES = 100_000;

/** A verified analysis whose flows stream: everything else is decided before the first flow. */
export interface VerifiedAnalysis {
  head: ReportHead;
  /** Every flow in id order, attributed, classified, with its path; each call iterates again. */
  flows(): Generator<FlowRecord>;
}

/**
 * The verification stage in two passes over the flows, so a million of them never sit in memory
 * as records. Pass one keeps the migration candidates and lets the per-flow checks see every
 * other flow; then the inventory (given, or inferred from the candidates) attributes the
 * candidates, refines their classes, groups migrations, reads their paths, and every rule runs.
 * Pass two (`flows()`) attributes each remaining flow and reads its path as it goes by.
 * `source` must give the same flows, in the same order, every time it is called.
 */
export function verifyStream(
  tool: ToolInfo,
  captures: CaptureRecord[],
  source: () => Iterable<FlowRecord>,
  inventory: Inventory | null,
  policy: Policy = DEFAULT_POLICY,
  maxCandidates = MAX_MIGRATION_CANDIDATES,
): VerifiedAnalysis {
  const checks = new Map<string, FlowCheck>();
  for (const rule of RULES) if ('start' in rule) checks.set(rule.id, rule.start());
  const candidates: FlowRecord[] = [];
  let flowCount = 0;
  let unjudged = 0;
  for (const r of source()) {
    flowCount++;
    if (isMigrationCandidate(r)) {
      if (candidates.length < maxCandidates) {
        candidates.push(r);
        continue;
      }
      unjudged++;
    }
    for (const c of checks.values()) c.observe(r);
  }

  const inv = inventory ?? inferInventory(candidates);
  const index = new InventoryIndex(inv);
  const roles = new Map<string, EndpointRole>();
  const flows = attribute(index, candidates, roles);
  classify(
    flows,
    captures.flatMap((c) => c.rarp.map((r) => epochSeconds(r.time))),
  );
  for (const f of flows) for (const c of checks.values()) c.observe(f.record);
  const several = captures.length > 1;
  const frame = (capture: number, n: number): string => (several ? `capture ${capture + 1} frame ${n}` : `frame ${n}`);
  const arp = captures.map(arpTable);
  const paths = new Map<AttributedFlow, PathVerdict>();
  for (const f of flows) paths.set(f, withPath(f, index, arp, frame, inv.inferred));
  const migrations = groupMigrations(flows);
  const ctx: RuleContext = { index, inferred: inv.inferred, flows, migrations, paths, captures, policy, frame, unjudged };
  const findings: FindingRecord[] = [];
  for (const rule of RULES) {
    const verdicts: Verdict[] = 'check' in rule ? rule.check(ctx) : checks.get(rule.id)!.verdicts(ctx);
    for (const v of verdicts) findings.push({ id: `v${findings.length + 1}`, rule: rule.id, category: rule.category, ...v, evidence: EvidenceList.of(v.evidence).toArray() });
  }
  const summary = { pass: 0, fail: 0, warn: 0, info: 0 };
  for (const f of findings) summary[f.status]++;

  const held = new Map(candidates.map((r) => [r.id, r]));
  return {
    head: { schemaVersion: SCHEMA_VERSION, tool, captures, flowCount, migrations: migrations.map((m) => m.record), findings, summary, inventory: inv },
    *flows() {
      for (const r of source()) {
        const kept = held.get(r.id);
        if (kept !== undefined) {
          yield kept;
          continue;
        }
        const [f] = attribute(index, [r], roles);
        withPath(f, index, arp, frame, inv.inferred);
        yield r;
      }
    },
  };
}

/** Read a flow's path and write it into its record. */
function withPath(f: AttributedFlow, index: InventoryIndex, arp: ArpTable[], frame: (capture: number, n: number) => string, inferred: boolean): PathVerdict {
  const p = pathOf(f, index, arp[f.record.capture], (n) => frame(f.record.capture, n), inferred);
  f.record.path = { routed: p.routed, gateway: p.gateway, evidence: p.evidence.map((e) => e.text) };
  return p;
}
