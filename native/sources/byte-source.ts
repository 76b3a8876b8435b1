import fs from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { CaptureInputError } from '../../core/contract/errors.js';

/** Where capture bytes come from: a regular file, or a stream (standard input, a pipe, a command). */
export interface ByteSource {
  /** Total size when known (regular files), else null. */
  readonly size: number | null;
  /** Read up to `len` bytes into buf[off...]; resolves 0 at the end. */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  /** Release the descriptor or stream; waits for nothing in flight. */
  close(): void;
}

export function describeSystemError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory, not a capture file';
  if (e.code === 'ENOSPC') return 'no space left on the device (the disk is full)';
  return e.message ?? String(err);
}

/**
 * Files this thread has open. A descriptor outlives the worker thread that opened it, so the
 * thread of a cancelled analysis closes its files (closeThreadFiles) before it is terminated.
 */
const threadFiles = new Set<FileSource>();

export function closeThreadFiles(): void {
  for (const f of [...threadFiles]) f.close();
}

/**
 * A regular file read with pread(2) at explicit offsets in the thread pool: a read still queued
 * when a pass fails cannot move the offset of another file that reuses the descriptor number.
 */
export class FileSource implements ByteSource {
  private position = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    threadFiles.add(this);
  }

  read(buf: Uint8Array, off: number, len: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, buf, off, len, this.position, (err, n) => {
        if (err) reject(err);
        else {
          this.position += n;
          resolve(n);
        }
      });
    });
  }

  close(): void {
    if (threadFiles.delete(this)) fs.closeSync(this.fd);
  }
}

/**
 * A byte stream in paused mode: each read takes what is buffered (at least one chunk, waiting
 * for it if need be), so a live stream is analysed as it arrives and a fast pipe still fills
 * large reads. Works whatever blocking mode the descriptor is in (a pipe from a parent process
 * is often non-blocking, where read(2) answers EAGAIN).
 */
export class StreamSource implements ByteSource {
  readonly size = null;
  private pending: Buffer | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly stream: Readable) {
    // No pause(): a paused net.Socket stops reading its handle and the loop would go idle.
    stream.on('end', () => (this.ended = true));
    stream.on('error', (err) => (this.failure = err));
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    let n = 0;
    while (n < len) {
      if (this.failure) throw this.failure;
      let chunk = this.pending ?? (this.stream.read() as Buffer | null);
      this.pending = null;
      if (chunk === null) {
        if (n > 0 || this.ended) return n;
        await this.readable();
        continue;
      }
      const take = Math.min(chunk.length, len - n);
      buf.set(take === chunk.length ? chunk : chunk.subarray(0, take), off + n);
      n += take;
      if (take < chunk.length) this.pending = chunk.subarray(take);
      chunk = null;
    }
    return n;
  }

  close(): void {
    this.stream.destroy();
  }

  private readable(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('readable', done);
        this.stream.off('end', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('readable', done);
      this.stream.on('end', done);
      this.stream.on('error', done);
    });
  }
}

/** Open a capture path, or `-` for standard input. */
export function openSource(path: string): ByteSource {
  if (path === '-') {
    if (process.stdin.isTTY) throw new CaptureInputError(path, -1, 'standard input is a terminal: pipe a capture into it');
    return new StreamSource(process.stdin);
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new CaptureInputError(path, -1, `cannot open: ${describeSystemError(err)}`);
  }
  const stat = fs.fstatSync(fd);
  if (stat.isDirectory()) {
    fs.closeSync(fd);
    throw new CaptureInputError(path, -1, 'is a directory, not a capture file');
  }
  if (stat.isFile()) return new FileSource(fd, stat.size);
  // A named pipe through libuv's pipe handle (non-blocking, woken by epoll): a read waiting for a
  // writer holds no thread-pool thread, and closing it, or the thread that opened it, ends it.
  if (stat.isFIFO()) return new StreamSource(new net.Socket({ fd, readable: true, writable: false }));
  // A device: read it as a stream.
  return new StreamSource(fs.createReadStream('', { fd, highWaterMark: 1024 * 1024 }));
}
