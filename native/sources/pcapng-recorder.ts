import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import {
  pcapngInterfaceBytes,
  pcapngStatisticsBytes,
  PCAPNG_EPB_OVERHEAD,
  PCAPNG_SHB_BYTES,
  writePcapngInterface,
  writePcapngPacketHeader,
  writePcapngSectionHeader,
  writePcapngStatistics,
  type PcapngStatistics,
} from '../../core/capture/writer.js';
import { CaptureSourceError } from '../../core/contract/errors.js';

/** Microseconds: what libpcap's struct timeval gives, and pcapng's default resolution. */
const TS_DIGITS = 6;
const TWO_32 = 4294967296;
/** One batch written at a time; a record never spans two (the largest is 32 + 262144 bytes). */
export const SLOT_BYTES = 4 * 1024 * 1024;
/**
 * Batches being written while the next fills: 64 MiB of slack, as much as the kernel's capture
 * ring, for a disk that stalls (writeback throttling) while packets keep coming.
 */
export const SLOTS = 16;

export interface RecordedInterface {
  linkType: number;
  snaplen: number;
  name: string;
}

/**
 * A live interface's frames as one pcapng stream (SHB, IDB, an EPB per frame, an ISB with the
 * drop counts at the end): written to a file with --save, or only counted, so every frame gets the
 * offset its record has (or would have) in that file. Flows keep those offsets, so the saved file
 * can be carved and opened in Wireshark like any capture.
 *
 * Frames are copied into batch slots that share one page-aligned memory with the frame libpcap
 * filled: copyWithin moves the bytes with no view or buffer made per packet. A full slot goes to
 * the file with an asynchronous positioned write (the thread pool), so a slow disk never stops
 * the capture; the SHA-256 is taken in order as each slot is handed over. When every slot is still
 * being written, the disk has fallen 64 MiB behind: saving stops there (the file stays a valid
 * capture of the frames up to that point) and the analysis goes on with every frame.
 */
export class PcapngRecorder {
  /** Stream offset of the next block: the file's size so far. */
  offset = 0;
  /** Set when saving stopped early: what to tell the user. */
  shortfall: string | null = null;
  private readonly dv: DataView;
  private readonly hash: Hash | null;
  private readonly busy = new Array<boolean>(SLOTS).fill(false);
  private slot = 0;
  private used = 0;
  /** File position of the current slot's first byte. */
  private position = 0;
  private writing = 0;
  private idle: (() => void) | null = null;
  private failure: Error | null = null;
  private saving: boolean;
  private closed = false;

  constructor(
    /** The shared memory: the frame at [0, snaplen), SLOTS slots from `slotsStart` (when saving). */
    private readonly mem: Uint8Array,
    private readonly slotsStart: number,
    private readonly fd: number | null,
    private readonly file: string | null,
    iface: RecordedInterface,
  ) {
    this.dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    this.saving = fd !== null;
    this.hash = fd === null ? null : createHash('sha256');
    if (this.saving) {
      const at = this.slotsStart;
      const shb = writePcapngSectionHeader(this.dv, at, true);
      this.used = shb + writePcapngInterface(this.dv, at + shb, true, { linkType: iface.linkType, snaplen: iface.snaplen, name: iface.name, tsresol: TS_DIGITS });
    }
    this.offset = PCAPNG_SHB_BYTES + pcapngInterfaceBytes(iface.name, TS_DIGITS);
  }

  /** Record the frame at mem[0, capLen); returns the offset of its block. Throws when a write failed. */
  record(capLen: number, origLen: number, sec: number, usec: number, frame: number): number {
    const at = this.offset;
    const len = PCAPNG_EPB_OVERHEAD + ((capLen + 3) & ~3);
    this.offset += len;
    if (!this.saving) return at;
    if (this.failure !== null) throw this.writeError();
    if (this.used + len > SLOT_BYTES && !this.submit(frame)) return at;
    const p = this.slotsStart + this.slot * SLOT_BYTES + this.used;
    this.mem.copyWithin(p + 28, 0, capLen);
    // Microseconds since the epoch stay below 2^53: exact in a double, no BigInt per packet.
    const units = sec * 1e6 + usec;
    const high = Math.floor(units / TWO_32);
    writePcapngPacketHeader(this.dv, p, true, 0, high, units - high * TWO_32, capLen, origLen);
    this.used += len;
    return at;
  }

  /**
   * End the stream: the statistics block, the last slot, every write finished, the file closed.
   * Returns the file's SHA-256 (null when nothing is saved); throws when a write failed.
   */
  async finish(stats: PcapngStatistics, nowMs: number): Promise<string | null> {
    if (this.fd === null || this.closed) return null;
    this.closed = true;
    try {
      if (this.saving && this.failure === null) {
        if (this.used + pcapngStatisticsBytes(stats) > SLOT_BYTES) this.submit(null);
        if (this.saving) {
          const units = Math.round(nowMs * 1000);
          const high = Math.floor(units / TWO_32);
          const len = writePcapngStatistics(this.dv, this.slotsStart + this.slot * SLOT_BYTES + this.used, true, 0, high, units - high * TWO_32, stats);
          this.used += len;
          this.offset += len;
          this.submit(null, true);
        }
      }
      await this.drained();
    } finally {
      fs.closeSync(this.fd);
    }
    if (this.failure !== null) throw this.writeError();
    return this.hash!.digest('hex');
  }

  /**
   * Hand the current slot to the thread pool; false when no slot is free for what follows (saving
   * stops before `frame`, the frame that did not fit; null for the statistics block).
   */
  private submit(frame: number | null, last = false): boolean {
    const start = this.slotsStart + this.slot * SLOT_BYTES;
    const slot = this.slot;
    const length = this.used;
    this.hash!.update(this.mem.subarray(start, start + length));
    this.busy[slot] = true;
    this.writing++;
    fs.write(this.fd!, this.mem, start, length, this.position, (err) => {
      if (err) this.failure ??= err;
      this.busy[slot] = false;
      if (--this.writing === 0) this.idle?.();
    });
    this.position += length;
    this.slot = (this.slot + 1) % SLOTS;
    this.used = 0;
    if (!last && this.busy[this.slot]) {
      this.saving = false;
      this.shortfall = `--save stopped ${frame === null ? 'before the statistics block' : `at frame ${frame}`}: the disk fell ${(SLOTS * SLOT_BYTES) / 1048576} MiB behind; ${this.file} holds the frames before it (a valid capture), the analysis has them all`;
      return false;
    }
    return true;
  }

  private drained(): Promise<void> {
    if (this.writing === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  private writeError(): CaptureSourceError {
    return new CaptureSourceError(`cannot write ${this.file}: ${this.failure!.message}`);
  }
}
