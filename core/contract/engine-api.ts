/**
 * The one typed interface the engine offers, reached in-process (CLI, tests), from the Electron
 * renderer through the preload, and from a browser through the browser-mode server. The name
 * lists below are the single source the preload, the IPC router and the server are built from,
 * so no channel string is typed twice.
 */
import type { AnalysisReport } from './report.js';

export const ENGINE_OPERATIONS = ['analyze'] as const;
export type EngineOperation = (typeof ENGINE_OPERATIONS)[number];

export const ENGINE_EVENTS = ['progress', 'warning'] as const;
export type EngineEvent = (typeof ENGINE_EVENTS)[number];

export interface AnalyzeRequest {
  /** Capture files (or `-` for standard input); several captures are one analysis. */
  captures: string[];
  /** Compute the SHA-256 of each capture as stored. */
  hash?: boolean;
  /** Inventory files: canonical YAML/JSON or raw esxcli, esxcfg-vmknic, govc, PowerCLI output. */
  inventory?: string[];
  /** A policy file (docs/rules.md, "Policy"). */
  policy?: string;
}

/** Reading progress, per capture, as bytes read of the file size. */
export interface AnalyzeProgress {
  capture: number;
  captures: number;
  file: string;
  /** Bytes of the file read so far (compressed bytes for gzip). */
  bytesRead: number;
  /** File size, or null for pipes and standard input. */
  totalBytes: number | null;
  /** Frames read so far in this capture. */
  frames: number;
}

export interface EngineEvents {
  progress: AnalyzeProgress;
  /** Something the user should know that does not stop the analysis (an inventory line skipped). */
  warning: string;
}

export interface EngineApi {
  analyze(request: AnalyzeRequest): Promise<AnalysisReport>;
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
}
