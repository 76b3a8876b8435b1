import fs from 'node:fs';
import { CaptureSourceError } from '../../core/contract/errors.js';
import type { ByteSource } from './byte-source.js';

/**
 * A live capture stream (a command's stdout, standard input) as the capture reader consumes it:
 * every byte read is also written, as it is, to the --save file, so the saved file is exactly
 * what was analysed (same SHA-256, and the record offsets flows keep point into it); and reading
 * can be cut short when there is no producer to ask to stop (standard input).
 */
export class LiveStreamSource implements ByteSource {
  readonly size = null;
  /** Bytes read so far. */
  bytes = 0;
  private cutShort = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly inner: ByteSource,
    private readonly saveFd: number | null,
    private readonly saveFile: string | null,
  ) {}

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    if (this.cutShort) return 0;
    const cut = new Promise<number>((resolve) => (this.wake = () => resolve(0)));
    const n = await Promise.race([this.inner.read(buf, off, len), cut]);
    this.wake = null;
    if (this.cutShort) return 0;
    if (n > 0 && this.saveFd !== null) {
      let done = 0;
      try {
        while (done < n) done += fs.writeSync(this.saveFd, buf, off + done, n - done);
      } catch (err) {
        throw new CaptureSourceError(`cannot write ${this.saveFile}: ${(err as Error).message}`);
      }
    }
    this.bytes += n;
    return n;
  }

  /** End the stream now: a read waiting for data returns the end of the stream. */
  cut(): void {
    this.cutShort = true;
    this.wake?.();
  }

  close(): void {
    this.inner.close();
    if (this.saveFd !== null) fs.closeSync(this.saveFd);
  }
}
