import { flowNumber, type CaptureRecord, type EvidenceRecord, type FindingCategory, type FindingRecord, type FindingStatus, type FlowRecord } from '../../contract/report.js';
import type { AttributedFlow } from '../attribute.js';
import type { InventoryIndex } from '../inventory-index.js';
import type { Migration } from '../migrations.js';
import type { PathVerdict } from '../path.js';
import type { Policy } from '../policy.js';

/** Everything a rule may look at. */
export interface RuleContext {
  index: InventoryIndex;
  /** The inventory was inferred from the capture: verdicts that need a real one say so. */
  inferred: boolean;
  /**
   * The flows that can take part in a migration (TCP 8000 and 902, UDP 902: see
   * isMigrationCandidate), attributed and classified. Rules over every flow are FlowRules.
   */
  flows: AttributedFlow[];
  migrations: Migration[];
  paths: Map<AttributedFlow, PathVerdict>;
  captures: CaptureRecord[];
  policy: Policy;
  /** Migration-port flows past MAX_MIGRATION_CANDIDATES: counted and listed, not judged. */
  unjudged: number;
  /** "frame 17", or "capture 2 frame 17" when the analysis has several captures. */
  frame(capture: number, n: number): string;
}

/** A finding before the registry gives it an id, its rule and its category. */
export interface Verdict {
  status: FindingStatus;
  title: string;
  detail: string;
  flows: string[];
  evidence: EvidenceRecord[] | EvidenceList;
}

export interface Rule {
  /** Stable id, documented in docs/rules.md under the same anchor. */
  id: string;
  category: FindingCategory;
  check(ctx: RuleContext): Verdict[];
}

/**
 * A rule over every flow, not only the migration candidates in RuleContext.flows: it sees each
 * flow once as the flows stream past (candidates after their classes are refined), keeps what
 * it flags, and decides at the end.
 */
export interface FlowRule {
  id: string;
  category: FindingCategory;
  /** A fresh check for one verification. */
  start(): FlowCheck;
}

export interface FlowCheck {
  observe(f: FlowRecord): void;
  verdicts(ctx: RuleContext): Verdict[];
}

/** Orders flow ids as numbers (f9 before f10). */
export function byFlowId(a: string, b: string): number {
  return flowNumber(a)! - flowNumber(b)!;
}

export function evidence(kind: string, text: string, frames: number[], capture: number | null): EvidenceRecord {
  return { kind, text, frames, capture };
}

/** Evidence items kept per finding; a migration of thousands of streams says the same thing thousands of times. */
export const MAX_EVIDENCE = 40;

/**
 * A finding's evidence: the first MAX_EVIDENCE distinct observations in the order given, then one
 * item that counts the rest by kind. Past the cap nothing is kept or compared, so a rule may offer
 * every flow's observations at the cost of a counter each.
 */
export class EvidenceList {
  private readonly items: EvidenceRecord[] = [];
  private readonly texts = new Set<string>();
  private readonly more = new Map<string, number>();
  private moreCount = 0;

  /** Evidence made from `items` only while there is room; the rest counted as `kind`. */
  static offering<T>(items: readonly T[], make: (item: T) => EvidenceRecord, kind: string): EvidenceList {
    const list = new EvidenceList();
    for (const item of items) {
      if (list.items.length < MAX_EVIDENCE) list.add(make(item));
      else list.count(kind);
    }
    return list;
  }

  static of(evidence: EvidenceRecord[] | EvidenceList): EvidenceList {
    if (evidence instanceof EvidenceList) return evidence;
    const list = new EvidenceList();
    for (const e of evidence) list.add(e);
    return list;
  }

  /** Keeps the record's kind, text, frames and capture (a PathEvidence's other fields stay out). */
  add(e: EvidenceRecord): void {
    if (this.items.length < MAX_EVIDENCE) {
      if (this.texts.has(e.text)) return;
      this.texts.add(e.text);
      this.items.push({ kind: e.kind, text: e.text, frames: e.frames, capture: e.capture });
      return;
    }
    this.count(e.kind);
  }

  private count(kind: string): void {
    this.more.set(kind, (this.more.get(kind) ?? 0) + 1);
    this.moreCount++;
  }

  toArray(): EvidenceRecord[] {
    if (this.moreCount === 0) return this.items;
    const counts = [...this.more].map(([k, n]) => `${n} ${k}`).join(', ');
    return [...this.items, { kind: 'more', text: `${this.moreCount} more observations (${counts}); the finding's flows list names every flow`, frames: [], capture: null }];
  }
}

/** The flow's first frames as evidence of where it is. */
export function flowEvidence(ctx: RuleContext, f: AttributedFlow, text: string): EvidenceRecord {
  const r = f.record;
  return evidence('flow', `${text} (${ctx.frame(r.capture, r.frames.first)}${r.frames.syn !== null && r.frames.syn !== r.frames.first ? `, SYN ${ctx.frame(r.capture, r.frames.syn)}` : ''})`, [r.frames.first], r.capture);
}

export type { FindingRecord };
