import type { AnalyzeRequest, EngineApi, EngineEvent, EngineEvents } from '../../core/contract/engine-api.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { analyzeCaptures } from './analyze.js';

type Listener<E extends EngineEvent> = (payload: EngineEvents[E]) => void;

/** The engine behind every transport: it assembles the pipeline and implements EngineApi. */
export class Engine implements EngineApi {
  private readonly listeners: { [E in EngineEvent]: Set<Listener<E>> } = { progress: new Set(), warning: new Set() };

  async analyze(request: AnalyzeRequest): Promise<AnalysisReport> {
    return analyzeCaptures({
      captures: request.captures,
      hash: request.hash ?? false,
      inventory: request.inventory,
      policy: request.policy,
      onProgress: (p) => this.emit('progress', p),
      onWarning: (w) => this.emit('warning', `${w.file}${w.line === null ? '' : `:${w.line}`}: ${w.message}`),
    });
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
