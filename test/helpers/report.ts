import type { Inventory } from '../../core/contract/inventory.js';
import { SCHEMA_VERSION, withFlows, type AnalysisReport, type ReportHead, type ToolInfo } from '../../core/contract/report.js';
import { captureRecord, flowRecords, type AnalyzedCapture } from '../../core/report/build.js';
import { DEFAULT_POLICY } from '../../core/verify/policy.js';
import { verifyStream } from '../../core/verify/verify.js';
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

/** The captures' flows held whole, before verification (no findings yet). */
export function buildReport(tool: ToolInfo, captures: AnalyzedCapture[]): AnalysisReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool,
    captures: captures.map(captureRecord),
    flows: [...flowRecords(captures)],
    migrations: [],
    findings: [],
    summary: { pass: 0, fail: 0, warn: 0, info: 0 },
    inventory: null,
  };
}

/** verifyStream over a report held whole, returned whole. */
export function verify(report: AnalysisReport, inventory: Inventory | null, policy: Policy = DEFAULT_POLICY): AnalysisReport {
  const v = verifyStream(report.tool, report.captures, () => report.flows, inventory, policy);
  return withFlows(v.head, [...v.flows()]);
}
