import { Worker } from 'node:worker_threads';
import { ENGINE_EVENTS, type AnalysisDetail, type AnalysisSummary, type AnalyzeRequest, type CaptureRequest, type CaptureStarted, type CarveRequest, type CarveResult, type EngineEvent, type EngineEvents, type ExportRequest, type ExportResult, type FlowPage, type FlowQuery, type InventoryImportResult, type MatrixCell, type NetworkInterfaceInfo, type TimelineQuery, type TimelineResult } from '../../core/contract/engine-api.js';
import { RemoteError, type AppApi } from '../../core/contract/app-api.js';
import type { FlowRecord } from '../../core/contract/report.js';
import { Engine } from '../engine/engine.js';
import type { AnalysisJob, AnalysisWorkerCancel, AnalysisWorkerMessage } from './analysis-worker.js';

type Listener<E extends EngineEvent> = (payload: EngineEvents[E]) => void;

/** The user stopped the analysis. */
export class AnalysisCancelledError extends Error {
  override readonly name = 'AnalysisCancelledError';
}

interface RunningAnalysis {
  worker: Worker;
  /** Known from the worker's first analysisChanged event, before any capture byte is read. */
  analysisId: number | null;
  /** Set while Cancel stops the thread, so its exit is not reported as a failure. */
  cancelling: boolean;
  cancel(analysisId: number): void;
}

/**
 * The engine as the app's transports serve it: queries on this thread's engine, each analysis on
 * a worker thread of its own (so a long read never delays a query, and Cancel can stop it), every
 * analysis stored in `database`.
 */
export class AppEngine implements AppApi {
  private readonly engine: Engine;
  private readonly running = new Set<RunningAnalysis>();
  private readonly listeners: { [E in EngineEvent]: Set<Listener<E>> } = { progress: new Set(), warning: new Set(), analysisChanged: new Set() };

  constructor(private readonly database: string) {
    this.engine = new Engine({ database });
    for (const event of ENGINE_EVENTS) this.engine.on(event, (payload) => this.emit(event, payload));
  }

  analyze(request: AnalyzeRequest): Promise<{ analysisId: number }> {
    const job: AnalysisJob = { database: this.database, request };
    const worker = new Worker(new URL('./analysis-worker.js', import.meta.url), { workerData: job });
    return new Promise((resolve, reject) => {
      const run: RunningAnalysis = {
        worker,
        analysisId: null,
        cancelling: false,
        cancel: (analysisId) => {
          settle();
          reject(new AnalysisCancelledError(`analysis ${analysisId} cancelled`));
        },
      };
      this.running.add(run);
      let settled = false;
      const settle = (): void => {
        settled = true;
        this.running.delete(run);
      };
      worker.on('message', (message: AnalysisWorkerMessage) => {
        if (message.kind === 'event') {
          if (message.event === 'analysisChanged') run.analysisId ??= (message.payload as EngineEvents['analysisChanged']).analysisId;
          this.emit(message.event, message.payload as never);
        } else if (message.kind === 'done') {
          settle();
          resolve({ analysisId: message.analysisId });
        } else if (message.kind === 'error' && !run.cancelling) {
          // (While cancelling, the error is the closed capture's: the caller hears of the cancel.)
          settle();
          reject(new RemoteError(message.error));
        }
      });
      worker.on('error', (err) => {
        if (settled) return;
        settle();
        reject(err);
      });
      worker.on('exit', (code) => {
        if (settled || run.cancelling) return;
        settle();
        reject(new Error(`the analysis thread stopped (exit code ${code}) before it finished`));
      });
    });
  }

  async cancelAnalysis(analysisId: number): Promise<boolean> {
    const run = [...this.running].find((r) => r.analysisId === analysisId);
    if (run === undefined) return false;
    // Terminating rolls back the worker's open transaction; what it committed goes with the analysis.
    // First the thread closes its capture files (descriptors outlive threads); a thread too busy to
    // answer within a second is terminated all the same.
    run.cancelling = true;
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      run.worker.on('message', (m: AnalysisWorkerMessage) => {
        if (m.kind !== 'closed') return;
        clearTimeout(timer);
        resolve();
      });
    });
    run.worker.postMessage({ kind: 'cancel' } satisfies AnalysisWorkerCancel);
    await closed;
    await run.worker.terminate();
    await this.engine.deleteAnalysis(analysisId);
    // The caller of analyze hears of it only once nothing of the analysis is left.
    run.cancel(analysisId);
    this.emit('analysisChanged', { analysisId, status: 'failed' });
    return true;
  }

  listAnalyses(): Promise<AnalysisSummary[]> {
    return this.engine.listAnalyses();
  }

  getAnalysis(analysisId: number): Promise<AnalysisDetail> {
    return this.engine.getAnalysis(analysisId);
  }

  deleteAnalysis(analysisId: number): Promise<void> {
    return this.engine.deleteAnalysis(analysisId);
  }

  queryFlows(query: FlowQuery): Promise<FlowPage> {
    return this.engine.queryFlows(query);
  }

  getFlow(analysisId: number, flowId: string): Promise<FlowRecord> {
    return this.engine.getFlow(analysisId, flowId);
  }

  trafficMatrix(analysisId: number): Promise<MatrixCell[]> {
    return this.engine.trafficMatrix(analysisId);
  }

  timeline(query: TimelineQuery): Promise<TimelineResult> {
    return this.engine.timeline(query);
  }

  carve(request: CarveRequest): Promise<CarveResult> {
    return this.engine.carve(request);
  }

  exportReport(request: ExportRequest): Promise<ExportResult> {
    return this.engine.exportReport(request);
  }

  importInventory(inputs: { name: string; text: string }[]): Promise<InventoryImportResult> {
    return this.engine.importInventory(inputs);
  }

  openSample(): Promise<number> {
    return this.engine.openSample();
  }

  listInterfaces(): Promise<NetworkInterfaceInfo[]> {
    return this.engine.listInterfaces();
  }

  /**
   * Live captures run on this thread's engine, not on a worker: they wait on the network rather
   * than compute, and libpcap's binding (a NAN addon) cannot be loaded in worker threads.
   */
  startCapture(request: CaptureRequest): Promise<CaptureStarted> {
    return this.engine.startCapture(request);
  }

  stopCapture(analysisId: number): Promise<boolean> {
    return this.engine.stopCapture(analysisId);
  }

  on<E extends EngineEvent>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners[event] as Set<Listener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Stop every running analysis (their rows stay as interrupted), store what running captures had, close the database. */
  async close(): Promise<void> {
    await Promise.all([...this.running].map((r) => r.worker.terminate()));
    await this.engine.stopAllCaptures();
    this.engine.close();
  }

  private emit<E extends EngineEvent>(event: E, payload: EngineEvents[E]): void {
    for (const listener of this.listeners[event] as Set<Listener<E>>) listener(payload);
  }
}
