/**
 * One analysis on its own worker thread, so the host stays responsive and can stop it: a read
 * of a 10 GB capture cannot be interrupted from inside, but a thread can be terminated. The
 * worker has its own engine on the same database (SQLite in WAL mode lets the host's engine read
 * while this one writes).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ENGINE_EVENTS, type AnalyzeRequest } from '../../core/contract/engine-api.js';
import { toWireError } from '../../core/contract/app-api.js';
import { Engine } from '../engine/engine.js';
import { closeThreadFiles } from '../sources/byte-source.js';

export interface AnalysisJob {
  database: string;
  request: AnalyzeRequest;
}

export type AnalysisWorkerMessage =
  | { kind: 'event'; event: (typeof ENGINE_EVENTS)[number]; payload: unknown }
  | { kind: 'done'; analysisId: number }
  | { kind: 'error'; error: { name: string; message: string } }
  | { kind: 'closed' };

/** From the host: the analysis is cancelled; close the captures before the thread is terminated. */
export interface AnalysisWorkerCancel {
  kind: 'cancel';
}

const port = parentPort!;
const job = workerData as AnalysisJob;
const engine = new Engine({ database: job.database });
const post = (message: AnalysisWorkerMessage): void => port.postMessage(message);
for (const event of ENGINE_EVENTS) engine.on(event, (payload) => post({ kind: 'event', event, payload }));
port.on('message', (message: AnalysisWorkerCancel) => {
  if (message.kind !== 'cancel') return;
  closeThreadFiles();
  post({ kind: 'closed' });
});
// Listening for a cancel does not keep the thread alive once the analysis is done.
port.unref();

try {
  const { analysisId } = await engine.analyze({ ...job.request, store: true });
  post({ kind: 'done', analysisId: analysisId! });
} catch (err) {
  post({ kind: 'error', error: toWireError(err) });
} finally {
  engine.close();
}
