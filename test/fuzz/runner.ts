/**
 * Runs a target's loop in a worker thread and watches it: an execution that makes no progress
 * for `hangMs` is a hang (the worker is stopped and the input it was running is kept), a worker
 * that ends without finishing its loop left a promise that never settles (a stall), one that
 * dies of an uncaught error or of its heap limit crashed. After a hang or crash the loop goes on
 * in a fresh worker, seeded with everything found so far, until the budget is spent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoPath } from '../helpers/paths.js';
import { describe, signatureOf, type Finding, type FindingKind, type LoopStats } from './engine.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

export const CORPUS_DIR = repoPath('test/fuzz/corpus');
export const REGRESSIONS_DIR = repoPath('test/fuzz/regressions');

export interface RunOptions {
  seed: number;
  execs?: number;
  seconds?: number;
  /** No progress for this long is a hang. */
  hangMs?: number;
  /** Heap limit of the worker: an input that makes memory grow without bound fails. */
  heapMb?: number;
}

export interface RunResult {
  target: string;
  execs: number;
  seconds: number;
  seeds: number;
  corpus: number;
  features: number;
  findings: Finding[];
  /** Inputs that reached new coverage, in the order found. */
  newInputs: Uint8Array[];
}

/** Every file of a folder, sorted by name (so runs are reproducible). */
export function readInputs(dir: string): Uint8Array[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('.') && !n.endsWith('.md'))
    .sort()
    .map((n) => new Uint8Array(fs.readFileSync(path.join(dir, n))));
}

/** The committed corpus of a target, with its regression inputs (good seeds: they reached a bug once). */
export function seedsOf(target: string): Uint8Array[] {
  return [...readInputs(path.join(CORPUS_DIR, target)), ...readInputs(path.join(REGRESSIONS_DIR, target))];
}

interface Attempt {
  done: LoopStats | null;
  ended: { kind: FindingKind; message: string } | null;
}

const WORKER = new URL('./worker.js', import.meta.url);

export async function runTarget(target: string, options: RunOptions): Promise<RunResult> {
  const hangMs = options.hangMs ?? 10_000;
  const started = Date.now();
  const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  let execsLeft = options.execs ?? Infinity;
  const seeds = seedsOf(target);
  const result: RunResult = { target, execs: 0, seconds: 0, seeds: seeds.length, corpus: 0, features: 0, findings: [], newInputs: [] };
  const signatures = new Set<string>();
  const add = (f: Finding): void => {
    if (signatures.has(f.signature)) return;
    signatures.add(f.signature);
    result.findings.push(f);
  };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vmkscope-fuzz-'));
  let round = 0;
  try {
    while (execsLeft > 0 && Date.now() < deadline) {
      const progress = new SharedArrayBuffer(4);
      const input = new SharedArrayBuffer(4 + 512 * 1024);
      const counter = new Int32Array(progress);
      const data: WorkerInput = {
        target,
        seeds: [...seeds, ...result.newInputs],
        seed: options.seed + round++,
        execs: execsLeft === Infinity ? Number.MAX_SAFE_INTEGER : execsLeft,
        deadline: deadline === Infinity ? Number.MAX_SAFE_INTEGER : deadline,
        progress,
        input,
        scratch,
      };
      const worker = new Worker(WORKER, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 1024 } });
      const attempt = await watch(worker, counter, hangMs, result, add);
      const current = (): Uint8Array => {
        const view = new DataView(input);
        return new Uint8Array(input, 4, view.getUint32(0)).slice();
      };
      if (attempt.done) {
        result.execs += attempt.done.execs;
        result.corpus = attempt.done.corpus;
        result.features = Math.max(result.features, attempt.done.features);
        break;
      }
      const ended = attempt.ended!;
      add({ target, kind: ended.kind, signature: `${ended.kind}: ${ended.message.split('\n')[0]}`, message: ended.message, input: current() });
      // The executions of a stopped worker are not reported; count the ones it was watched doing.
      const done = Atomics.load(counter, 0);
      result.execs += done;
      execsLeft -= done;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

function watch(worker: Worker, counter: Int32Array, hangMs: number, result: RunResult, add: (f: Finding) => void): Promise<Attempt> {
  return new Promise((resolve) => {
    let last = Atomics.load(counter, 0);
    let lastChange = Date.now();
    let done: LoopStats | null = null;
    let ended: Attempt['ended'] = null;
    const timer = setInterval(() => {
      const now = Atomics.load(counter, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > hangMs) {
        ended = { kind: 'hang', message: `no progress for ${hangMs} ms` };
        void worker.terminate();
      }
    }, 100);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'finding') add(m.finding);
      else if (m.type === 'input') result.newInputs.push(m.data);
      else done = m.stats;
    });
    worker.on('error', (err: Error & { code?: string }) => {
      ended ??= err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'out-of-memory', message: err.message } : { kind: 'crash', message: `uncaught in the worker: ${describe(err)} (${signatureOf(err)})` };
    });
    worker.on('exit', () => {
      clearInterval(timer);
      // A worker whose event loop ran empty while the target awaited a promise: it never settles.
      if (done === null) ended ??= { kind: 'stall', message: 'the target returned a promise that never settled (the worker ran out of work)' };
      resolve({ done, ended });
    });
  });
}
