/** One fuzzing loop in a worker thread, so the runner can stop it when an input hangs. */
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzLoop, type Finding, type LoopStats } from './engine.js';
import { targetNamed, useScratchDir } from './targets.js';

export interface WorkerInput {
  target: string;
  seeds: Uint8Array[];
  seed: number;
  execs: number;
  deadline: number;
  progress: SharedArrayBuffer;
  input: SharedArrayBuffer;
  /** A folder the runner removes, even when it has to stop this thread. */
  scratch: string;
}

export type WorkerMessage = { type: 'finding'; finding: Finding } | { type: 'input'; data: Uint8Array } | { type: 'done'; stats: LoopStats };

const data = workerData as WorkerInput;
const port = parentPort!;
useScratchDir(data.scratch);
const stats = await fuzzLoop(targetNamed(data.target), data.seeds, {
  seed: data.seed,
  execs: data.execs,
  deadline: data.deadline,
  watch: { progress: new Int32Array(data.progress), input: new Uint8Array(data.input) },
  onFinding: (finding) => port.postMessage({ type: 'finding', finding } satisfies WorkerMessage),
  onNewInput: (input) => port.postMessage({ type: 'input', data: input } satisfies WorkerMessage),
});
port.postMessage({ type: 'done', stats } satisfies WorkerMessage);
