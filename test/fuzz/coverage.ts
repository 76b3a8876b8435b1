/**
 * Coverage feedback for the fuzzer from V8's own block coverage (the inspector's
 * Profiler.takePreciseCoverage), so no instrumenting build step and no native module is needed.
 *
 * V8 reports, per function, a tree of ranges with execution counts since the last take, and
 * leaves out a nested range whose count equals its parent's. So a block is "covered" when the
 * innermost reported range around it has a count > 0, and a block V8 once reported (as an
 * uncovered branch, say) must be looked up that way in later reports where it is not listed.
 * A feature is (block, bucket of its count), the bucket as AFL counts loop trips: 1, 2, 3, 4-7,
 * 8-15, 16-31, 32-127, 128+.
 */
import inspector from 'node:inspector';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}

interface FunctionCoverage {
  ranges: Range[];
}

interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

function bucket(count: number): number {
  if (count < 4) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

export class CoverageMap {
  private readonly session = new inspector.Session();
  /** Blocks V8 has ever reported, per script and function start: [start, end] pairs. */
  private readonly blocks = new Map<string, Map<number, number[]>>();
  private readonly features = new Set<string>();
  private readonly scriptIds = new Map<string, number>();

  /** Only code under these URL fragments counts (the project, not Node or the fuzzer). */
  constructor(private readonly include: (url: string) => boolean) {}

  async start(): Promise<void> {
    this.session.connect();
    await post(this.session, 'Profiler.enable');
    await post(this.session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  async stop(): Promise<void> {
    await post(this.session, 'Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }

  get size(): number {
    return this.features.size;
  }

  /** Coverage since the last call; returns how many features were never seen before. */
  async collect(): Promise<number> {
    const { result } = await post<{ result: ScriptCoverage[] }>(this.session, 'Profiler.takePreciseCoverage');
    let fresh = 0;
    for (const script of result) {
      if (!this.include(script.url)) continue;
      let sid = this.scriptIds.get(script.url);
      if (sid === undefined) {
        sid = this.scriptIds.size;
        this.scriptIds.set(script.url, sid);
      }
      let known = this.blocks.get(script.url);
      if (known === undefined) {
        known = new Map();
        this.blocks.set(script.url, known);
      }
      for (const fn of script.functions) {
        const ranges = fn.ranges;
        if (ranges.length === 0 || ranges[0].count === 0) continue;
        const start = ranges[0].startOffset;
        let list = known.get(start);
        if (list === undefined) {
          list = [];
          known.set(start, list);
        }
        for (const r of ranges) {
          if (!hasBlock(list, r.startOffset, r.endOffset)) list.push(r.startOffset, r.endOffset);
        }
        for (let i = 0; i < list.length; i += 2) {
          const count = innermostCount(ranges, list[i], list[i + 1]);
          if (count === 0) continue;
          const key = `${sid}:${list[i]}:${list[i + 1]}:${bucket(count)}`;
          if (!this.features.has(key)) {
            this.features.add(key);
            fresh++;
          }
        }
      }
    }
    return fresh;
  }
}

function hasBlock(list: number[], start: number, end: number): boolean {
  for (let i = 0; i < list.length; i += 2) if (list[i] === start && list[i + 1] === end) return true;
  return false;
}

/** V8 lists a function's ranges parent first; the last one enclosing the block is the innermost. */
function innermostCount(ranges: Range[], start: number, end: number): number {
  let count = 0;
  for (const r of ranges) if (r.startOffset <= start && r.endOffset >= end) count = r.count;
  return count;
}
