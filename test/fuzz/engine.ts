/**
 * The coverage-guided loop: run the seeds, then mutate inputs of the corpus, keep those that
 * reach a block (or a loop-trip bucket) no input reached before, and report every input an
 * oracle rejects or that throws. Deterministic for a given seed and number of executions: the
 * choice of parents and mutations comes from one seeded PRNG and coverage is a function of the
 * inputs.
 */
import { Prng } from '../../core/synth/prng.js';
import { CoverageMap } from './coverage.js';
import { BINARY_TOKENS, mutateBytes, mutateText, textTokens } from './mutate.js';
import { OracleFailure, type FuzzTarget } from './targets.js';

export type FindingKind = 'crash' | 'oracle' | 'hang' | 'stall' | 'out-of-memory';

export interface Finding {
  target: string;
  kind: FindingKind;
  /** What makes two findings the same bug: the error and where it was thrown. */
  signature: string;
  message: string;
  input: Uint8Array;
}

export interface LoopOptions {
  seed: number;
  /** Stop after this many executions of mutated inputs... */
  execs: number;
  /** ...or at this time (Date.now()), whichever comes first. */
  deadline: number;
  /** Written before each execution, so a watchdog can tell a hang and save the input. */
  watch?: { progress: Int32Array; input: Uint8Array };
  onFinding(f: Finding): void;
  /** An input that reached new coverage (to grow the committed corpus in long runs). */
  onNewInput?(input: Uint8Array): void;
}

export interface LoopStats {
  target: string;
  seeds: number;
  execs: number;
  seconds: number;
  corpus: number;
  features: number;
}

/** The project's compiled code, not Node's, the test helpers' or the fuzzer's own. */
function projectCode(url: string): boolean {
  return (url.includes('/dist/core/') || url.includes('/dist/native/')) && !url.includes('/dist/test/');
}

/** First line of the message with numbers and quoted text blurred, and the first project frame. */
export function signatureOf(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const first = e.message.split('\n')[0].replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 160);
  const frame = (e.stack ?? '').split('\n').find((l) => /\/dist\/(core|native)\//.test(l))?.replace(/^\s*at\s*/, '').replace(/:\d+\)?$/, '').replace(/.*\/dist\//, '') ?? '';
  return `${e.name}: ${first}${frame ? ` @ ${frame}` : ''}`;
}

export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 8).join('\n') ?? ''}` : String(err);
}

/** Run one input outside the loop: null when handled correctly, else the finding. */
export async function runOnce(target: FuzzTarget, input: Uint8Array): Promise<Omit<Finding, 'input'> | null> {
  try {
    await target.run(input);
    return null;
  } catch (err) {
    return { target: target.name, kind: err instanceof OracleFailure ? 'oracle' : 'crash', signature: signatureOf(err), message: describe(err) };
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function fuzzLoop(target: FuzzTarget, seeds: Uint8Array[], options: LoopOptions): Promise<LoopStats> {
  const rng = new Prng(options.seed);
  const coverage = new CoverageMap(projectCode);
  await coverage.start();
  const corpus: Uint8Array[] = [];
  const texts: string[] = [];
  const seen = new Set<string>();
  const started = Date.now();
  let execs = 0;
  const tokens = target.kind === 'text' ? textTokens(seeds.map((s) => decoder.decode(s))) : [];

  const execute = async (input: Uint8Array): Promise<boolean> => {
    if (options.watch) {
      const { progress, input: shared } = options.watch;
      const n = Math.min(input.length, shared.length - 4);
      new DataView(shared.buffer, shared.byteOffset).setUint32(0, n);
      shared.set(input.subarray(0, n), 4);
      Atomics.add(progress, 0, 1);
    }
    const finding = await runOnce(target, input);
    if (finding !== null && !seen.has(finding.signature)) {
      seen.add(finding.signature);
      options.onFinding({ ...finding, input: input.slice() });
    }
    return (await coverage.collect()) > 0;
  };

  const keep = (input: Uint8Array): void => {
    corpus.push(input);
    if (target.kind === 'text') texts.push(decoder.decode(input));
  };

  for (const s of seeds) {
    await execute(s);
    keep(s);
  }
  if (corpus.length === 0) keep(new Uint8Array(0));

  while (execs < options.execs && Date.now() < options.deadline) {
    // Favour recent finds (they sit at the frontier of what is covered), as AFL's queue cycling does.
    const recent = corpus.length > seeds.length && rng.next() < 0.5;
    const index = recent ? rng.int(seeds.length, corpus.length - 1) : rng.int(0, corpus.length - 1);
    const parent = corpus[index];
    let child: Uint8Array;
    if (target.kind === 'text') {
      child = encoder.encode(mutateText(texts[index], rng, texts, tokens, target.maxBytes));
    } else if (target.mutate) {
      child = target.mutate(parent, rng, corpus).subarray(0, target.maxBytes);
    } else {
      child = mutateBytes(parent, rng, corpus, BINARY_TOKENS, target.maxBytes, target.structured);
    }
    execs++;
    if (await execute(child)) {
      keep(child);
      options.onNewInput?.(child);
    }
  }
  const stats: LoopStats = {
    target: target.name,
    seeds: seeds.length,
    execs,
    seconds: (Date.now() - started) / 1000,
    corpus: corpus.length,
    features: coverage.size,
  };
  await coverage.stop();
  return stats;
}
