import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { captureRecord, flowRecords, type AnalyzedCapture } from '../../core/report/build.js';
import type { AnalyzeProgress } from '../../core/contract/engine-api.js';
import { loadInventory } from '../../core/inventory/load.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../core/verify/policy.js';
import { verifyStream, type VerifiedAnalysis } from '../../core/verify/verify.js';
import { InventoryInputError } from '../../core/contract/errors.js';
import type { Inventory, InventoryProblem } from '../../core/contract/inventory.js';
import { readCapture } from '../sources/capture-reader.js';
import { toolInfo } from './tool-info.js';
import { readTextInput } from './text-input.js';

export interface AnalyzeOptions {
  captures: string[];
  /**
   * SHA-256 of each capture as stored (chain of custody). Off unless asked: OpenSSL's SHA-256
   * runs at about 1.5 GB/s here, slower than the engine itself.
   */
  hash?: boolean;
  onProgress?: (p: AnalyzeProgress) => void;
  inventory?: string[];
  /** Inventory given as text (pasted), besides or instead of files. */
  inventoryText?: { name: string; text: string }[];
  policy?: string;
  /** Where inventory warnings go (they do not stop the analysis). */
  onWarning?: (problem: InventoryProblem) => void;
}

/**
 * Read every capture once, in order, and verify the flows against the inventory (or one inferred
 * from the capture); the flows then stream from the readers' tables (VerifiedAnalysis). Several
 * captures are one analysis. Inventory and policy are read first, so a mistake in them stops
 * before a long capture is read.
 */
export async function analyzeCaptures(options: AnalyzeOptions): Promise<{ verified: VerifiedAnalysis; policy: Policy }> {
  const inputs = [...(options.inventory ?? []).map((name) => ({ name, text: readTextInput(name) })), ...(options.inventoryText ?? [])];
  const inventory = inputs.length > 0 ? readInventory(inputs, options.onWarning) : null;
  let policy = DEFAULT_POLICY;
  if (options.policy !== undefined) {
    const parsed = parsePolicy(options.policy, readTextInput(options.policy));
    if (parsed.problems.length > 0) throw new InventoryInputError(parsed.problems);
    policy = parsed.policy;
  }
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
  const verified = verifyStream(toolInfo(), analyzed.map(captureRecord), () => flowRecords(analyzed), inventory, policy);
  return { verified, policy };
}

function readInventory(inputs: { name: string; text: string }[], onWarning?: (p: InventoryProblem) => void): Inventory {
  const result = loadInventory(inputs);
  if (result.problems.length > 0) throw new InventoryInputError(result.problems);
  for (const w of result.warnings) onWarning?.(w);
  return result.inventory;
}
