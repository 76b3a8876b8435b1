import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { buildReport, type AnalyzedCapture } from '../../core/report/build.js';
import type { AnalyzeProgress } from '../../core/contract/engine-api.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { loadInventory } from '../../core/inventory/load.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../core/verify/policy.js';
import { verify } from '../../core/verify/verify.js';
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
 * Read every capture once, in order, build the report, and verify it against the inventory (or
 * one inferred from the capture). Several captures are one analysis. Inventory and policy are
 * read first, so a mistake in them stops before a long capture is read.
 */
export async function analyzeCaptures(options: AnalyzeOptions): Promise<{ report: AnalysisReport; policy: Policy }> {
  const { inventory, policy } = loadJudgement(options);
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
  return { report: verify(buildReport(toolInfo(), analyzed), inventory, policy), policy };
}

/** What verdicts rest on: the inventory (null: inferred from the capture) and the policy. */
export function loadJudgement(options: Pick<AnalyzeOptions, 'inventory' | 'inventoryText' | 'policy' | 'onWarning'>): { inventory: Inventory | null; policy: Policy } {
  const inputs = [...(options.inventory ?? []).map((name) => ({ name, text: readTextInput(name) })), ...(options.inventoryText ?? [])];
  const inventory = inputs.length > 0 ? readInventory(inputs, options.onWarning) : null;
  let policy = DEFAULT_POLICY;
  if (options.policy !== undefined) {
    const parsed = parsePolicy(options.policy, readTextInput(options.policy));
    if (parsed.problems.length > 0) throw new InventoryInputError(parsed.problems);
    policy = parsed.policy;
  }
  return { inventory, policy };
}

function readInventory(inputs: { name: string; text: string }[], onWarning?: (p: InventoryProblem) => void): Inventory {
  const result = loadInventory(inputs);
  if (result.problems.length > 0) throw new InventoryInputError(result.problems);
  for (const w of result.warnings) onWarning?.(w);
  return result.inventory;
}
