import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { AnalysisReport } from '../../core/contract/report.js';
import { reportJsonPieces } from '../../core/report/json.js';
import { outputError } from './output-error.js';

/** Room in the stream again, or the stream gone (after an error). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/** Write the report JSON to a file or, for `-`, to stdout, piece by piece with back-pressure. */
export async function writeReportJson(report: AnalysisReport, target: string): Promise<void> {
  const out: Writable = target === '-' ? process.stdout : fs.createWriteStream(target);
  // A file that cannot be written (disk full) fails the command: never a cut report behind exit 0.
  let failure: unknown = null;
  if (target !== '-') out.on('error', (err) => (failure ??= err));
  const check = (): void => {
    if (failure !== null) throw outputError(target, failure);
  };
  let batch = '';
  for (const piece of reportJsonPieces(report)) {
    batch += piece;
    if (batch.length < 1 << 20) continue;
    if (!out.write(batch)) await drained(out);
    check();
    batch = '';
  }
  if (target === '-') {
    if (batch.length > 0 && !out.write(batch)) await drained(out);
    return;
  }
  // end()'s callback may hear of the failure before the 'error' event does.
  await new Promise<void>((resolve) =>
    out.end(batch, (err?: Error | null) => {
      if (err) failure ??= err;
      resolve();
    }),
  );
  check();
}
