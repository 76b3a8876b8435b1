/**
 * What the app's transports (the Electron IPC router and the browser-mode server) offer the
 * renderer: the engine's operations, `analyze` always storing and answering with the analysis id,
 * and the one operation the host adds because it runs each analysis on a worker thread it can stop. The name lists are the single source the preload, the router and the
 * server are built from, so no channel or route string is typed twice.
 */
import { ENGINE_EVENTS, ENGINE_OPERATIONS, type AnalyzeRequest, type EngineApi, type EngineEvent } from './engine-api.js';

export const APP_OPERATIONS = [...ENGINE_OPERATIONS, 'cancelAnalysis'] as const;
export type AppOperation = (typeof APP_OPERATIONS)[number];

export const APP_EVENTS = ENGINE_EVENTS;
export type AppEvent = EngineEvent;

export interface AppApi extends Omit<EngineApi, 'analyze'> {
  /**
   * Analyse and store; answers with the stored analysis's id only. The renderer pages flows from
   * the store, so a report of 100 000 flows never crosses the transport whole.
   */
  analyze(request: AnalyzeRequest): Promise<{ analysisId: number }>;
  /**
   * Stop a running analysis and discard what it stored. Resolves false when no analysis with
   * that id is running (it finished or was never started here).
   */
  cancelAnalysis(analysisId: number): Promise<boolean>;
}

/** An error as it crosses a process boundary: its class name (UsageError, CaptureInputError...) and message. */
export interface WireError {
  name: string;
  message: string;
}

/** Requests, answers and events between a transport and the engine host process. */
export type HostRequest = { kind: 'call'; id: number; operation: AppOperation; args: unknown[] };
export type HostMessage =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'event'; event: AppEvent; payload: unknown };

export function isAppOperation(name: unknown): name is AppOperation {
  return typeof name === 'string' && (APP_OPERATIONS as readonly string[]).includes(name);
}

export function isAppEvent(name: unknown): name is AppEvent {
  return typeof name === 'string' && (APP_EVENTS as readonly string[]).includes(name);
}

/** An error from the other side of a transport, rebuilt with its original class name. */
export class RemoteError extends Error {
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
