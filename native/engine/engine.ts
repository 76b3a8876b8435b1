import { createHash } from 'node:crypto';
import type {
  AnalysisDetail,
  AnalysisSummary,
  AnalyzeRequest,
  AnalyzeResult,
  CaptureRequest,
  CaptureStarted,
  CarveRequest,
  CarveResult,
  EngineApi,
  EngineEvent,
  EngineEvents,
  ExportRequest,
  ExportResult,
  FlowPage,
  FlowQuery,
  InventoryImportResult,
  MatrixCell,
  NetworkInterfaceInfo,
  TimelineQuery,
  TimelineResult,
} from '../../core/contract/engine-api.js';
import type { FlowRecord, ReportHead } from '../../core/contract/report.js';
import { csvTables, flowCsvHeader, flowCsvRow } from '../../core/report/csv.js';
import { htmlReport } from '../../core/report/html.js';
import { reportJsonPieces } from '../../core/report/json.js';
import { writeReport, type ReportSink } from '../../core/report/sink.js';
import type { Policy } from '../../core/verify/policy.js';
import { AnalysisStore } from '../store/analysis-store.js';
import { carveFlows } from '../store/carve.js';
import { defaultDatabasePath } from '../store/database.js';
import { listNetworkInterfaces } from '../sources/live-interface.js';
import { shellLine } from '../sources/pktcap.js';
import { analyzeCaptures } from './analyze.js';
import { LiveCapture } from './live-capture.js';
import type { VerifiedAnalysis } from '../../core/verify/verify.js';
import { toolInfo } from './tool-info.js';

type Listener<E extends EngineEvent> = (payload: EngineEvents[E]) => void;

export interface EngineOptions {
  /** The database analyses are kept in: a path, `default` for the per-user one, or null for none. */
  database?: string | 'default' | null;
  /** Flows held in memory at once per capture (see DEFAULT_MAX_LIVE_FLOWS). */
  maxLiveFlows?: number;
}

/**
 * What makes two analyses the same: the captures' bytes (their SHA-256), the inventory and policy
 * the verdicts rest on, and the tool version that judged.
 */
export function fingerprint(report: ReportHead, policy: Policy): string {
  const policyJson = { forbid: [...policy.forbidGatewayCrossing].sort(), gateways: policy.gateways, unknownEndpoints: policy.unknownEndpoints };
  const inventory = report.inventory === null ? null : { ...report.inventory, sources: [] };
  return createHash('sha256')
    .update(JSON.stringify({ captures: report.captures.map((c) => c.sha256), inventory, policy: policyJson, tool: report.tool.version }))
    .digest('hex');
}

/** The engine behind every transport: it assembles the pipeline and implements EngineApi. */
export class Engine implements EngineApi {
  private readonly listeners: { [E in EngineEvent]: Set<Listener<E>> } = { progress: new Set(), warning: new Set(), analysisChanged: new Set() };
  private storeHandle: AnalysisStore | null = null;
  private readonly captures = new Map<number, LiveCapture>();

  constructor(private readonly options: EngineOptions = {}) {}

  /** The store, opened on first use; an engine without a database has none. */
  private store(): AnalysisStore {
    if (this.storeHandle === null) {
      const db = this.options.database;
      if (db === undefined || db === null) throw new Error('this engine keeps no database (give --db, or use the app or serve)');
      this.storeHandle = AnalysisStore.open(db === 'default' ? defaultDatabasePath() : db);
    }
    return this.storeHandle;
  }

  close(): void {
    this.storeHandle?.close();
    this.storeHandle = null;
  }

  /**
   * Analyse, keep (when asked), and stream the flows once through the store and `sinks` (the
   * CLI's JSON, CSV and summary): the verified head is all that is returned.
   */
  async analyze(request: AnalyzeRequest, sinks: readonly ReportSink[] = []): Promise<AnalyzeResult> {
    const stored = request.store ?? false;
    const store = stored ? this.store() : null;
    const analysisId = store?.begin(request.captures, toolInfo().version) ?? null;
    if (analysisId !== null) this.emit('analysisChanged', { analysisId, status: 'running' });
    try {
      const analysis = await analyzeCaptures({
        maxLiveFlows: this.options.maxLiveFlows,
        captures: request.captures,
        // A stored analysis is evidence: its captures are always hashed (and recognised again by it).
        hash: stored || (request.hash ?? false),
        inventory: request.inventory,
        inventoryText: request.inventoryText,
        policy: request.policy,
        onProgress: (p) => this.emit('progress', analysisId === null ? p : { ...p, analysisId }),
        onWarning: (w) => this.emit('warning', `${w.file}${w.line === null ? '' : `:${w.line}`}: ${w.message}`),
      });
      try {
        return await this.keep(analysis.verified, analysis.policy, store, analysisId, sinks);
      } finally {
        analysis.close();
      }
    } catch (err) {
      if (store !== null && analysisId !== null) {
        store.fail(analysisId, (err as Error).message);
        this.emit('analysisChanged', { analysisId, status: 'failed' });
      }
      throw err;
    }
  }

  /** Stream a verified analysis to the sinks and, when stored, to the store (once per fingerprint). */
  private async keep(verified: VerifiedAnalysis, policy: Policy, store: AnalysisStore | null, analysisId: number | null, sinks: readonly ReportSink[]): Promise<AnalyzeResult> {
    const head = verified.head;
    if (store === null || analysisId === null) {
      await writeReport(head, verified.flows(), sinks);
      return { head, analysisId: null };
    }
    const key = fingerprint(head, policy);
    store.setFingerprint(analysisId, key);
    const existing = store.findComplete(key);
    if (existing !== null) {
      // The same captures, inventory and policy were analysed before: keep that one.
      store.discardRepeat(analysisId, key);
      await writeReport(head, verified.flows(), sinks);
      this.emit('analysisChanged', { analysisId: existing, status: 'complete' });
      return { head, analysisId: existing };
    }
    await writeReport(head, verified.flows(), [store.writer(analysisId, key, policy), ...sinks]);
    this.emit('analysisChanged', { analysisId, status: 'complete' });
    return { head, analysisId };
  }

  async listAnalyses(): Promise<AnalysisSummary[]> {
    return this.store().list();
  }

  async getAnalysis(analysisId: number): Promise<AnalysisDetail> {
    return this.store().detail(analysisId);
  }

  async deleteAnalysis(analysisId: number): Promise<void> {
    this.store().delete(analysisId);
  }

  async queryFlows(query: FlowQuery): Promise<FlowPage> {
    return this.store().queryFlows(query);
  }

  async getFlow(analysisId: number, flowId: string): Promise<FlowRecord> {
    return this.store().flow(analysisId, flowId);
  }

  async trafficMatrix(analysisId: number): Promise<MatrixCell[]> {
    return this.store().matrix(analysisId);
  }

  async timeline(query: TimelineQuery): Promise<TimelineResult> {
    return this.store().timeline(query);
  }

  async carve(request: CarveRequest): Promise<CarveResult> {
    return carveFlows(this.store(), request);
  }

  async exportReport(request: ExportRequest): Promise<ExportResult> {
    const store = this.store();
    const id = request.analysisId;
    const head = store.head(id);
    const base = `vmkscope-analysis-${id}`;
    if (request.format === 'json') return { filename: `${base}.json`, mime: 'application/json', content: [...reportJsonPieces(head, store.flowRecords(id))].join('') };
    if (request.format === 'csv') {
      let flows = flowCsvHeader();
      for (const f of store.flowRecords(id)) flows += flowCsvRow(head, f);
      return { filename: base, mime: 'text/csv', content: { 'flows.csv': flows, ...csvTables(head) } };
    }
    const detail = store.detail(id);
    return {
      filename: `${base}.html`,
      mime: 'text/html',
      content: htmlReport(head, store.digest(id), { commandLine: `vmkscope analyze ${detail.inputs.join(' ')} (analysis ${request.analysisId}, exported)`, generatedAt: new Date().toISOString() }),
    };
  }

  async importInventory(inputs: { name: string; text: string }[]): Promise<InventoryImportResult> {
    // Loaded here, not at start-up (see loadJudgement).
    const [{ loadInventory }, { inventoryToYaml }] = await Promise.all([import('../../core/inventory/load.js'), import('../../core/inventory/yaml-writer.js')]);
    const result = loadInventory(inputs);
    return { ...result, yaml: result.problems.length === 0 ? inventoryToYaml(result.inventory) : '' };
  }

  async openSample(): Promise<number> {
    const { ensureSample } = await import('../sample.js');
    const sample = await ensureSample();
    const { analysisId } = await this.analyze({ captures: [sample.capture], inventory: [sample.inventory], store: true });
    return analysisId!;
  }

  async listInterfaces(): Promise<NetworkInterfaceInfo[]> {
    return listNetworkInterfaces();
  }

  /**
   * Start a live capture and hand back the running capture itself (its `done`, its `stop`): what
   * the CLI needs. startCapture is the same for transports, which get the analysis id.
   */
  async capture(request: CaptureRequest): Promise<LiveCapture> {
    const run = await LiveCapture.start(request, () => this.store(), {
      progress: (p) => this.emit('progress', p),
      changed: (analysisId, status) => this.emit('analysisChanged', { analysisId, status }),
      warning: (w) => this.emit('warning', w),
    });
    this.captures.set(run.analysisId, run);
    const forget = (): void => void this.captures.delete(run.analysisId);
    run.done.then(forget, forget);
    return run;
  }

  async startCapture(request: CaptureRequest): Promise<CaptureStarted> {
    const run = await this.capture(request);
    // A failure after the start is stored with the analysis (status failed, or complete with a
    // capture warning saying why it ended); a transport hears of it as a warning as well.
    run.done.then(
      (r) => {
        r.close();
        if (r.error !== null) this.emit('warning', `capture ${run.analysisId}: ${r.error.message}`);
      },
      (err: Error) => this.emit('warning', `capture ${run.analysisId}: ${err.message}`),
    );
    return { analysisId: run.analysisId, source: run.argv === null ? run.label : shellLine(run.argv), argv: run.argv };
  }

  async stopCapture(analysisId: number): Promise<boolean> {
    const run = this.captures.get(analysisId);
    if (run === undefined) return false;
    run.stop();
    await run.done;
    return true;
  }

  /** Stop every running capture and store what each had. */
  async stopAllCaptures(): Promise<void> {
    await Promise.allSettled([...this.captures.keys()].map((id) => this.stopCapture(id)));
  }

  on<E extends EngineEvent>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners[event] as Set<Listener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<E extends EngineEvent>(event: E, payload: EngineEvents[E]): void {
    for (const listener of this.listeners[event] as Set<Listener<E>>) listener(payload);
  }
}

