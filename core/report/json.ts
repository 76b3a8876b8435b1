import type { FlowRecord, ReportHead } from '../contract/report.js';

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

/** `"key": value` indented as JSON.stringify(report, null, 2) writes a top-level member. */
function member(key: string, value: unknown, last = false): string {
  return `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}${last ? '' : ','}\n`;
}

/** An array of records, one compact record per line. */
function array(key: string, items: readonly unknown[]): string {
  return items.length === 0 ? `  ${JSON.stringify(key)}: [],\n` : `  ${JSON.stringify(key)}: [\n${items.map((i) => `    ${JSON.stringify(i)}`).join(',\n')}\n  ],\n`;
}

/*
 * The report as JSON, written as the flows stream: reportJsonStart, then reportJsonFlow for each
 * flow, then reportJsonEnd. No single string holds a report of a million flows (V8 strings stop
 * at about 512 MB). Keys in the contract's order; top-level fields indented by two; each flow,
 * migration and finding one compact line, so `grep` and `jq -c` work line by line and writing
 * costs a third of an indented form (docs/report.md).
 */

export function reportJsonStart(head: ReportHead): string {
  return `{\n${member('schemaVersion', head.schemaVersion)}${member('tool', head.tool)}${member('captures', head.captures)}  "flows": [`;
}

/** The n-th flow (0-based) of the flows array. */
export function reportJsonFlow(f: FlowRecord, n: number): string {
  return `${n === 0 ? '\n' : ',\n'}    ${JSON.stringify(f)}`;
}

export function reportJsonEnd(head: ReportHead, flowCount: number): string {
  return `${flowCount === 0 ? '],\n' : '\n  ],\n'}${array('migrations', head.migrations)}${array('findings', head.findings)}${member('summary', head.summary)}${member('inventory', head.inventory, true)}}\n`;
}

/** The pieces of the report JSON for flows held or read back (exports, `db show --json`). */
export function* reportJsonPieces(head: ReportHead, flows: Iterable<FlowRecord>): Generator<string> {
  yield reportJsonStart(head);
  let n = 0;
  for (const f of flows) yield reportJsonFlow(f, n++);
  yield reportJsonEnd(head, n);
}
