/**
 * Bytes per time bucket for both directions of one flow. Buckets start one second wide; when a
 * flow outlives MAX_BUCKETS buckets, neighbours are merged and the width doubles, so memory per
 * flow stays bounded however long the capture runs.
 */
export const MAX_BUCKETS = 512;
const INITIAL_BUCKETS = 8;

export class Timeline {
  /** Seconds per bucket (a power of two). */
  width = 1;
  /** Buckets in use (the flow's first packet opens the first). */
  length = 1;
  /** Interleaved [side0, side1] byte counts per bucket. */
  private data = new Float64Array(2 * INITIAL_BUCKETS);
  private capacity = INITIAL_BUCKETS;
  /** The second the last packet fell in and its bucket: most packets share them. */
  private lastSec: number;
  private lastIndex = 0;

  constructor(readonly startSec: number) {
    this.lastSec = startSec;
  }

  copy(): Timeline {
    const t = new Timeline(this.startSec);
    t.width = this.width;
    t.length = this.length;
    t.data = this.data.slice();
    t.capacity = this.capacity;
    t.lastSec = this.lastSec;
    t.lastIndex = this.lastIndex;
    return t;
  }

  add(side: number, sec: number, bytes: number): void {
    if (sec === this.lastSec) {
      this.data[2 * this.lastIndex + side] += bytes;
      return;
    }
    let i = Math.floor((sec - this.startSec) / this.width);
    if (i < 0) i = 0; // a packet older than the flow's first (merged captures): charge the first bucket
    if (i >= this.capacity) i = this.makeRoom(i);
    this.data[2 * i + side] += bytes;
    if (i >= this.length) this.length = i + 1;
    this.lastSec = sec;
    this.lastIndex = i;
  }

  /** Bytes of one side per bucket. */
  side(side: number): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.data[2 * i + side];
    return out;
  }

  private makeRoom(i: number): number {
    while (i >= this.capacity && this.capacity < MAX_BUCKETS) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      this.capacity *= 2;
    }
    while (i >= this.capacity) {
      const d = this.data;
      for (let b = 0; b < this.capacity / 2; b++) {
        d[2 * b] = d[4 * b] + d[4 * b + 2];
        d[2 * b + 1] = d[4 * b + 1] + d[4 * b + 3];
      }
      d.fill(0, this.capacity);
      this.width *= 2;
      this.length = Math.ceil(this.length / 2);
      this.lastIndex = Math.floor(this.lastIndex / 2);
      i = Math.floor(i / 2);
    }
    return i;
  }
}
