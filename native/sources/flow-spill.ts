import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlowSpill } from '../../core/flow/capture-analysis.js';

/** Bytes gathered before a write, and read at once around a wanted flow. */
const BLOCK = 4 << 20;

/**
 * Evicted flows in a temporary file, each as FlowStore's row bytes, found again by id. The
 * file is created on the first eviction and unlinked as soon as it is open: nothing is left
 * behind, even after kill -9. Writes go out in 4 MB blocks; reads take a 4 MB block, so reading
 * flows back in id order (they were evicted in roughly that order) is one read per block.
 * Memory per evicted flow: its offset and length (12 bytes).
 */
export class FileFlowSpill implements FlowSpill {
  private fd = -1;
  private offsets = new Float64Array(1024).fill(-1);
  private lengths = new Uint32Array(1024);
  /** Bytes in the file, then bytes waiting in `pending` after them. */
  private written = 0;
  private readonly pending = Buffer.allocUnsafe(BLOCK);
  private pendingLength = 0;
  private readonly block = Buffer.allocUnsafe(BLOCK);
  private blockStart = 0;
  private blockLength = 0;

  constructor(private readonly dir = os.tmpdir()) {}

  put(id: number, bytes: Uint8Array): void {
    if (this.fd < 0) {
      const folder = fs.mkdtempSync(path.join(this.dir, 'vmkscope-spill-'));
      this.fd = fs.openSync(path.join(folder, 'flows'), 'w+', 0o600);
      fs.rmSync(folder, { recursive: true });
    }
    while (id >= this.offsets.length) this.growIndex();
    if (this.pendingLength + bytes.length > BLOCK) this.flush();
    this.offsets[id] = this.written + this.pendingLength;
    this.lengths[id] = bytes.length;
    if (bytes.length > BLOCK) {
      // Larger than a block: only a flow with huge extras could be; written on its own.
      fs.writeSync(this.fd, bytes, 0, bytes.length, this.written);
      this.written += bytes.length;
      return;
    }
    this.pending.set(bytes, this.pendingLength);
    this.pendingLength += bytes.length;
  }

  /** The bytes of flow `id`, valid until the next get or put. */
  get(id: number): Uint8Array {
    const at = id < this.offsets.length ? this.offsets[id] : -1;
    if (at < 0) throw new Error(`flow ${id} was never spilled`);
    const length = this.lengths[id];
    if (at >= this.written) return this.pending.subarray(at - this.written, at - this.written + length);
    if (length > BLOCK) {
      const bytes = Buffer.allocUnsafe(length);
      fs.readSync(this.fd, bytes, 0, length, at);
      return bytes;
    }
    if (at < this.blockStart || at + length > this.blockStart + this.blockLength) {
      this.blockStart = at;
      this.blockLength = fs.readSync(this.fd, this.block, 0, Math.min(BLOCK, this.written - at), at);
    }
    return this.block.subarray(at - this.blockStart, at - this.blockStart + length);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private flush(): void {
    fs.writeSync(this.fd, this.pending, 0, this.pendingLength, this.written);
    this.written += this.pendingLength;
    this.pendingLength = 0;
  }

  private growIndex(): void {
    const offsets = new Float64Array(this.offsets.length * 2).fill(-1);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }
}
