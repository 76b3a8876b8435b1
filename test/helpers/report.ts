import { withFlows, type AnalysisReport, type ReportHead } from '../../core/contract/report.js';
import type { Policy } from '../../core/verify/policy.js';
import { analyzeCaptures, type AnalyzeOptions } from '../../native/engine/analyze.js';
import type { AnalysisStore } from '../../native/store/analysis-store.js';

/** An analysis held whole, every flow as an object: for tests of small captures only. */
export async function analyzeToReport(options: AnalyzeOptions): Promise<{ report: AnalysisReport; policy: Policy }> {
  const { verified, policy, close } = await analyzeCaptures(options);
  try {
    return { report: withFlows(verified.head, [...verified.flows()]), policy };
  } finally {
    close();
  }
}

/** The head of a report held whole (what the streaming writers take first). */
export function headOf(report: AnalysisReport): ReportHead {
  const { flows, ...rest } = report;
  return { ...rest, flowCount: flows.length };
}

/** Write a report held whole through the store's streaming writer. */
export function saveReport(store: AnalysisStore, id: number, report: AnalysisReport, fingerprint: string, policy: unknown): void {
  const sink = store.writer(id, fingerprint, policy);
  sink.begin(headOf(report));
  for (const f of report.flows) sink.flow(f);
  sink.end();
}
