import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { buildReport, type AnalyzedCapture } from '../../core/report/build.js';
import type { AnalyzeProgress } from '../../core/contract/engine-api.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { readCapture } from '../sources/capture-reader.js';
import { toolInfo } from './tool-info.js';

export interface AnalyzeOptions {
  captures: string[];
  /**
   * SHA-256 of each capture as stored (chain of custody). Off unless asked: OpenSSL's SHA-256
   * runs at about 1.5 GB/s here, slower than the engine itself.
   */
  hash?: boolean;
  onProgress?: (p: AnalyzeProgress) => void;
}

/** Read every capture once, in order, and build the report. Several captures are one analysis. */
export async function analyzeCaptures(options: AnalyzeOptions): Promise<AnalysisReport> {
  const analyzed: AnalyzedCapture[] = [];
  for (const [index, file] of options.captures.entries()) {
    const analysis = new CaptureAnalysis();
    const onProgress = options.onProgress;
    const facts = await readCapture(file, () => analysis, {
      hash: options.hash ?? false,
      onProgress:
        onProgress &&
        ((p) => onProgress({ ...p, capture: index, captures: options.captures.length, file, frames: analysis.frames })),
    });
    analyzed.push({ file, ...facts, analysis });
  }
  return buildReport(toolInfo(), analyzed);
}
