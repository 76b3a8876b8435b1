import type { CaptureRecord, EvidenceRecord, FindingCategory, FindingRecord, FindingStatus } from '../../contract/report.js';
import type { AttributedFlow } from '../attribute.js';
import type { InventoryIndex } from '../inventory-index.js';
import type { Migration } from '../migrations.js';
import type { PathEvidence, PathVerdict } from '../path.js';
import type { Policy } from '../policy.js';

/** Everything a rule may look at. */
export interface RuleContext {
  index: InventoryIndex;
  /** The inventory was inferred from the capture: verdicts that need a real one say so. */
  inferred: boolean;
  flows: AttributedFlow[];
  migrations: Migration[];
  paths: Map<AttributedFlow, PathVerdict>;
  captures: CaptureRecord[];
  policy: Policy;
  /** "frame 17", or "capture 2 frame 17" when the analysis has several captures. */
  frame(capture: number, n: number): string;
}

/** A finding before the registry gives it an id, its rule and its category. */
export interface Verdict {
  status: FindingStatus;
  title: string;
  detail: string;
  flows: string[];
  evidence: EvidenceRecord[];
}

export interface Rule {
  /** Stable id, documented in docs/rules.md under the same anchor. */
  id: string;
  category: FindingCategory;
  check(ctx: RuleContext): Verdict[];
}

export function evidence(kind: string, text: string, frames: number[], capture: number | null): EvidenceRecord {
  return { kind, text, frames, capture };
}

export function fromPath(e: PathEvidence): EvidenceRecord {
  return { kind: e.kind, text: e.text, frames: e.frames, capture: e.capture };
}

/** The flow's first frames as evidence of where it is. */
export function flowEvidence(ctx: RuleContext, f: AttributedFlow, text: string): EvidenceRecord {
  const r = f.record;
  return evidence('flow', `${text} (${ctx.frame(r.capture, r.frames.first)}${r.frames.syn !== null && r.frames.syn !== r.frames.first ? `, SYN ${ctx.frame(r.capture, r.frames.syn)}` : ''})`, [r.frames.first], r.capture);
}

export type { FindingRecord };
