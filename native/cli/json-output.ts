import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { AnalysisReport } from '../../core/contract/report.js';
import { reportJsonPieces } from '../../core/report/json.js';

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => out.once('drain', () => resolve()));
}

/** Write the report JSON to a file or, for `-`, to stdout, piece by piece with back-pressure. */
export async function writeReportJson(report: AnalysisReport, target: string): Promise<void> {
  const out: Writable = target === '-' ? process.stdout : fs.createWriteStream(target);
  let batch = '';
  for (const piece of reportJsonPieces(report)) {
    batch += piece;
    if (batch.length < 1 << 20) continue;
    if (!out.write(batch)) await drained(out);
    batch = '';
  }
  if (target === '-') {
    if (batch.length > 0 && !out.write(batch)) await drained(out);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(batch, () => resolve());
  });
}
