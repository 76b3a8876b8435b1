import { flowNumber, type FlowRecord, type ReportHead } from '../contract/report.js';

/** Flows the summary and the HTML report list besides the migrations' own: the largest others. */
export const LARGEST_FLOWS = 25;

/**
 * What the human-readable reports show of the flows, gathered as they stream past: every flow a
 * migration names, and the LARGEST_FLOWS largest of the others by frame bytes (ties: the lower
 * id first, as a stable sort would leave them).
 */
export class FlowDigest {
  count = 0;
  readonly migrationFlows: FlowRecord[] = [];
  private readonly others: FlowRecord[] = [];
  private readonly migrationIds: Set<string>;

  constructor(head: Pick<ReportHead, 'migrations'>) {
    this.migrationIds = new Set(head.migrations.flatMap((m) => m.flows));
  }

  add(f: FlowRecord): void {
    this.count++;
    if (this.migrationIds.has(f.id)) {
      this.migrationFlows.push(f);
      return;
    }
    const o = this.others;
    if (o.length === LARGEST_FLOWS && f.bytes <= o[o.length - 1].bytes) return;
    let i = o.length;
    while (i > 0 && o[i - 1].bytes < f.bytes) i--;
    o.splice(i, 0, f);
    if (o.length > LARGEST_FLOWS) o.pop();
  }

  /** The largest others, largest first. */
  largestOthers(): FlowRecord[] {
    return this.others.slice();
  }

  /** The `n` largest flows of all, largest first. */
  largest(n: number): FlowRecord[] {
    return [...this.migrationFlows, ...this.others].sort((a, b) => b.bytes - a.bytes || flowNumber(a.id)! - flowNumber(b.id)!).slice(0, n);
  }

  static of(head: Pick<ReportHead, 'migrations'>, flows: Iterable<FlowRecord>): FlowDigest {
    const d = new FlowDigest(head);
    for (const f of flows) d.add(f);
    return d;
  }
}
