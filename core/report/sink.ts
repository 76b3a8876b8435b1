import type { FlowRecord, ReportHead } from '../contract/report.js';
import { FlowDigest } from './digest.js';

/**
 * Where a verified analysis goes as its flows stream past: the store, a JSON or CSV file, the
 * digest the summary and HTML report show. Everything but the flows comes first.
 */
export interface ReportSink {
  begin(head: ReportHead): void;
  /** A flow; a returned promise asks the caller to wait before the next (a full pipe). */
  flow(f: FlowRecord): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Feed every sink the head, then each flow once, then the end. */
export async function writeReport(head: ReportHead, flows: Iterable<FlowRecord>, sinks: readonly ReportSink[]): Promise<void> {
  for (const s of sinks) s.begin(head);
  for (const f of flows) {
    for (const s of sinks) {
      const wait = s.flow(f);
      if (wait !== undefined) await wait;
    }
  }
  for (const s of sinks) await s.end();
}

/** A sink that keeps the digest (see FlowDigest). */
export class DigestSink implements ReportSink {
  digest: FlowDigest | null = null;

  begin(head: ReportHead): void {
    this.digest = new FlowDigest(head);
  }

  flow(f: FlowRecord): void {
    this.digest!.add(f);
  }

  end(): void {}
}
