import type { AnalysisReport } from '../contract/report.js';

/** Top-level arrays that can hold millions of entries: written one element at a time. */
const STREAMED = new Set(['flows', 'findings', 'migrations']);

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

/**
 * The report as JSON, in pieces: no single string holds a report of a million flows (V8 strings
 * stop at about 512 MB, and the copies would not fit in memory anyway). Top-level fields are
 * indented by two; each flow, finding and migration is one compact line, so `grep`/`jq -c` work
 * line by line and writing costs a third of an indented form (docs/report.md).
 */
export function* reportJsonPieces(report: AnalysisReport): Generator<string> {
  const entries = Object.entries(report).filter(([, v]) => v !== undefined);
  yield '{\n';
  for (let k = 0; k < entries.length; k++) {
    const [key, value] = entries[k];
    const comma = k < entries.length - 1 ? ',' : '';
    if (STREAMED.has(key) && Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (let i = 0; i < value.length; i++) {
        yield `    ${JSON.stringify(value[i])}${i < value.length - 1 ? ',' : ''}\n`;
      }
      yield `  ]${comma}\n`;
    } else {
      yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}${comma}\n`;
    }
  }
  yield '}\n';
}
