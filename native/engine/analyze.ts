import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { captureRecord, flowRecords, type AnalyzedCapture } from '../../core/report/build.js';
import type { AnalyzeProgress } from '../../core/contract/engine-api.js';
import { DEFAULT_POLICY, type Policy } from '../../core/verify/policy.js';
import { verifyStream, type VerifiedAnalysis } from '../../core/verify/verify.js';
import { InventoryInputError } from '../../core/contract/errors.js';
import type { Inventory, InventoryProblem } from '../../core/contract/inventory.js';
import { readCapture } from '../sources/capture-reader.js';
import { FileFlowSpill } from '../sources/flow-spill.js';
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
  /** Flows held in memory at once per capture (DEFAULT_MAX_LIVE_FLOWS); the quietest beyond go to a temporary file. */
  maxLiveFlows?: number;
  /** Where inventory warnings go (they do not stop the analysis). */
  onWarning?: (problem: InventoryProblem) => void;
}

/**
 * About 300 MB of flow rows. Captures rarely hold this many flows at once; past it the quietest
 * quarter is written to a temporary file, so millions of short flows cost disk, not memory.
 */
export const DEFAULT_MAX_LIVE_FLOWS = 1 << 18;

/**
 * Read every capture once, in order, and verify the flows against the inventory (or one inferred
 * from the capture); the flows then stream from the readers' tables (VerifiedAnalysis). Several
 * captures are one analysis. Inventory and policy are read first, so a mistake in them stops
 * before a long capture is read.
 */
export async function analyzeCaptures(options: AnalyzeOptions): Promise<{ verified: VerifiedAnalysis; policy: Policy; close(): void }> {
  const { inventory, policy } = await loadJudgement(options);
  const analyzed: AnalyzedCapture[] = [];
  const spills: FileFlowSpill[] = [];
  for (const [index, file] of options.captures.entries()) {
    const spill = new FileFlowSpill();
    spills.push(spill);
    const analysis = new CaptureAnalysis({ spill, maxLiveFlows: options.maxLiveFlows ?? DEFAULT_MAX_LIVE_FLOWS });
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
  return { verified, policy, close: () => spills.forEach((s) => s.close()) };
}

/**
 * What verdicts rest on: the inventory (null: inferred from the capture) and the policy. The
 * importers and the YAML parser are loaded only when there is something to read: they are a
 * sixth of the start-up time of an `analyze` that needs neither.
 */
export async function loadJudgement(options: Pick<AnalyzeOptions, 'inventory' | 'inventoryText' | 'policy' | 'onWarning'>): Promise<{ inventory: Inventory | null; policy: Policy }> {
  const inputs = [...(options.inventory ?? []).map((name) => ({ name, text: readTextInput(name) })), ...(options.inventoryText ?? [])];
  let inventory: Inventory | null = null;
  if (inputs.length > 0) {
    const { loadInventory } = await import('../../core/inventory/load.js');
    const result = loadInventory(inputs);
    if (result.problems.length > 0) throw new InventoryInputError(result.problems);
    for (const w of result.warnings) options.onWarning?.(w);
    inventory = result.inventory;
  }
  let policy = DEFAULT_POLICY;
  if (options.policy !== undefined) {
    const { parsePolicy } = await import('../../core/verify/policy-file.js');
    const parsed = parsePolicy(options.policy, readTextInput(options.policy));
    if (parsed.problems.length > 0) throw new InventoryInputError(parsed.problems);
    policy = parsed.policy;
  }
  return { inventory, policy };
}
