import { createGunzip } from 'node:zlib';
import type { RecordParser, RecordSink } from '../../core/capture/record-sink.js';
import { createParser, sniffContainer } from '../../core/capture/sniff.js';
import { CaptureFormatError, CaptureInputError } from '../../core/contract/errors.js';
import { openSource, describeSystemError, type ByteSource } from './byte-source.js';
import { InlineHasher, WorkerHasher, type ChunkHasher } from './chunk-hasher.js';

/**
 * Bytes read per read(2) call. Large enough that per-call costs vanish, small enough to stay in
 * the L2/L3 caches while the parser walks it.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Room in front of each chunk for the unparsed tail of the previous one: the biggest record
 * (256 KiB) plus headers. pcapng blocks bigger than that take the slow path below.
 */
const HEAD_BYTES = 512 * 1024;
const WASM_PAGE = 65536;

export interface ReadProgress {
  /** Bytes of the file read so far (compressed bytes for gzip). */
  bytesRead: number;
  /** File size, or null for pipes and standard input. */
  totalBytes: number | null;
}

export interface CaptureFileFacts {
  format: 'pcap' | 'pcapng';
  compression: 'none' | 'gzip';
  /** Bytes of the file as stored. */
  size: number;
  sha256: string | null;
}

export interface ReadOptions {
  /** Compute the SHA-256 of the bytes as stored (chain of custody). */
  hash: boolean;
  onProgress?: (p: ReadProgress) => void;
  /**
   * A live capture stopped on purpose: its stream ends wherever the producer was cut off, so an
   * incomplete last record is expected, not a defect of the capture worth a warning.
   */
  stopped?: () => boolean;
}

/**
 * A buffer whose data area starts on a page boundary: read(2) into a buffer 16 bytes off a page
 * (where Buffer.allocUnsafe's pool puts it) measured several times slower on this CPU.
 * WebAssembly.Memory hands out page-aligned ArrayBuffers.
 */
export function pageAlignedBuffer(bytes: number, shared: boolean): Uint8Array {
  const pages = Math.ceil(bytes / WASM_PAGE);
  return new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages, shared }).buffer);
}

/** Below this size a hash worker's start-up costs more than hashing on the main thread. */
const WORKER_HASH_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Stream one capture (a file path, or `-` for standard input) through its container parser into
 * `sink`, in constant memory. The format is found from the bytes. Throws CaptureInputError
 * naming the file and byte offset when the input cannot be read.
 */
export async function readCapture(path: string, makeSink: (format: 'pcap' | 'pcapng') => RecordSink, options: ReadOptions): Promise<CaptureFileFacts> {
  return readCaptureFrom(openSource(path), path, makeSink, options);
}

/**
 * The same for a source already open (a command's output, a live stream); `label` names it in
 * errors and warnings. The source is closed when reading ends.
 */
export async function readCaptureFrom(source: ByteSource, label: string, makeSink: (format: 'pcap' | 'pcapng') => RecordSink, options: ReadOptions): Promise<CaptureFileFacts> {
  try {
    return await new StreamReader(source, label, options).run(makeSink);
  } finally {
    source.close();
  }
}

class StreamReader {
  private readonly slots: Uint8Array[];
  private readonly hasher: ChunkHasher | null;
  /** Hashing still reading a buffer: it must finish before the buffer is read into again. */
  private readonly hashing = new Map<Uint8Array, Promise<void>>();
  private bytesRead = 0;

  private readonly size: number | null;

  constructor(
    private readonly source: ByteSource,
    private readonly path: string,
    private readonly options: ReadOptions,
  ) {
    this.size = source.size;
    const worker = options.hash && (this.size === null || this.size >= WORKER_HASH_MIN_BYTES);
    this.hasher = !options.hash ? null : worker ? new WorkerHasher() : new InlineHasher();
    // The hash worker reads the chunks where they lie, so they are shared memory.
    this.slots = [pageAlignedBuffer(HEAD_BYTES + CHUNK_BYTES, worker), pageAlignedBuffer(HEAD_BYTES + CHUNK_BYTES, worker)];
  }

  async run(makeSink: (format: 'pcap' | 'pcapng') => RecordSink): Promise<CaptureFileFacts> {
    try {
      return await this.pass(makeSink);
    } finally {
      this.hasher?.close();
    }
  }

  private async pass(makeSink: (format: 'pcap' | 'pcapng') => RecordSink): Promise<CaptureFileFacts> {
    const first = this.slots[0];
    const n = await this.read(first, HEAD_BYTES);
    if (n === 0) throw new CaptureInputError(this.path, 0, 'empty input (0 bytes): not a capture');
    const kind = sniffContainer(first.subarray(HEAD_BYTES, HEAD_BYTES + n));
    if (kind.kind === 'unknown') throw new CaptureInputError(this.path, 0, kind.reason);
    let format: 'pcap' | 'pcapng';
    if (kind.kind === 'gzip') {
      format = await this.runGzip(first.subarray(HEAD_BYTES, HEAD_BYTES + n), makeSink);
    } else {
      format = kind.kind;
      const sink = makeSink(format);
      await this.runPlain(createParser(format, sink), sink, n);
    }
    return {
      format,
      compression: kind.kind === 'gzip' ? 'gzip' : 'none',
      size: this.bytesRead,
      sha256: this.hasher === null ? null : await this.hasher.digest(),
    };
  }

  private async read(buf: Uint8Array, off: number): Promise<number> {
    // Awaited only when a hash is still reading this buffer: an await yields, and the read would
    // then start only after the caller has parsed the other chunk, not while it parses (about
    // 40% slower on a 1 GB file).
    const hashing = this.hashing.get(buf);
    if (hashing !== undefined) await hashing;
    let n: number;
    try {
      n = await this.source.read(buf, off, CHUNK_BYTES);
    } catch (err) {
      throw new CaptureInputError(this.path, this.bytesRead, `read failed: ${describeSystemError(err)}`);
    }
    if (n > 0) {
      if (this.hasher) this.hashing.set(buf, this.hasher.update(buf, off, off + n));
      this.bytesRead += n;
      this.options.onProgress?.({ bytesRead: this.bytesRead, totalBytes: this.size });
    }
    return n;
  }

  /**
   * Double-buffered: while the parser walks one chunk, the next read(2) fills the other in the
   * thread pool. The tail of a chunk that holds an incomplete record is copied in front of the
   * next chunk's data.
   */
  private async runPlain(parser: RecordParser, sink: RecordSink, firstLength: number): Promise<void> {
    let cur = 0;
    let n = firstLength;
    let carry = 0; // bytes of an incomplete record sitting just before HEAD_BYTES in slot `cur`
    let skip = 0; // bytes still to discard for a block the parser skips
    let streamAtHead = 0; // stream offset of slot[cur][HEAD_BYTES]
    while (n > 0) {
      const buf = this.slots[cur];
      const nextBuf = this.slots[cur ^ 1];
      const pending = this.read(nextBuf, HEAD_BYTES);
      const end = HEAD_BYTES + n;
      let start = HEAD_BYTES - carry;
      if (skip > 0) {
        const s = Math.min(skip, n);
        skip -= s;
        start = HEAD_BYTES + s;
      }
      let pos = start;
      try {
        if (start < end) pos = this.parse(parser, buf, start, end, streamAtHead - HEAD_BYTES);
      } catch (err) {
        // Never leave a read in flight on a descriptor the caller is about to close.
        await pending.catch(() => undefined);
        throw err;
      }
      const nextN = await pending;
      if (pos > end) {
        skip = pos - end;
        carry = 0;
      } else {
        carry = end - pos;
        if (carry > 0 && (carry > HEAD_BYTES || parser.needed > HEAD_BYTES + CHUNK_BYTES)) {
          // A record bigger than our buffers (large pcapng block): gather it in a buffer of its own.
          const rest = await this.gatherLarge(parser, buf.subarray(pos, end), streamAtHead + n - carry, nextBuf, nextN);
          carry = rest.carry;
          skip = rest.skip;
          streamAtHead += n;
          cur ^= 1;
          n = rest.n;
          continue;
        }
        if (carry > 0) nextBuf.set(buf.subarray(pos, end), HEAD_BYTES - carry);
      }
      streamAtHead += n;
      cur ^= 1;
      n = nextN;
    }
    if (skip > 0) sink.warning(`capture cut short at byte ${streamAtHead}: a skipped block announced ${skip} more bytes`);
    else this.finish(parser, carry, streamAtHead - carry);
  }

  /**
   * Slow path for a record larger than the chunk buffers: copy what we have and the chunk already
   * read into one buffer, read on until the record is whole, parse, and hand back what is left.
   */
  private async gatherLarge(
    parser: RecordParser,
    partial: Uint8Array,
    partialAt: number,
    nextBuf: Uint8Array,
    nextN: number,
  ): Promise<{ carry: number; skip: number; n: number }> {
    let big = new Uint8Array(Math.max(parser.needed, partial.length) + CHUNK_BYTES);
    big.set(partial, 0);
    let have = partial.length;
    big.set(nextBuf.subarray(HEAD_BYTES, HEAD_BYTES + nextN), have);
    have += nextN;
    while (have < parser.needed) {
      if (big.length - have < CHUNK_BYTES) {
        const grown = new Uint8Array(parser.needed + CHUNK_BYTES);
        grown.set(big.subarray(0, have));
        big = grown;
      }
      const got = await this.read(big, have);
      if (got === 0) break;
      have += got;
    }
    const pos = this.parse(parser, big, 0, have, partialAt);
    if (pos > have) return { carry: 0, skip: pos - have, n: 0 };
    const left = have - pos;
    if (left > HEAD_BYTES) {
      // Still incomplete after reading to the end of the stream.
      this.finish(parser, left, partialAt + pos);
      return { carry: 0, skip: 0, n: 0 };
    }
    // Hand the rest back through the normal loop: it becomes the carry of an empty chunk read next.
    nextBuf.set(big.subarray(pos, have), HEAD_BYTES - left);
    const n = await this.read(nextBuf, HEAD_BYTES);
    return { carry: left, skip: 0, n };
  }

  private parse(parser: RecordParser, buf: Uint8Array, start: number, end: number, bufBase: number): number {
    try {
      return parser.parse(buf, start, end, bufBase);
    } catch (err) {
      if (err instanceof CaptureFormatError) throw new CaptureInputError(this.path, err.offset, err.message);
      throw err;
    }
  }

  private finish(parser: RecordParser, leftover: number, at: number, decompressed = false): void {
    try {
      parser.finish(this.options.stopped?.() ? 0 : leftover, at);
    } catch (err) {
      if (err instanceof CaptureFormatError) throw new CaptureInputError(this.path, err.offset, err.message, decompressed);
      throw err;
    }
  }

  /**
   * gzip: compressed chunks go through zlib (in the thread pool); decompressed output is copied
   * into an aligned buffer with the carried tail in front, as for plain files. Offsets reported
   * to the parser count decompressed bytes.
   */
  private async runGzip(firstChunk: Uint8Array, makeSink: (format: 'pcap' | 'pcapng') => RecordSink): Promise<'pcap' | 'pcapng'> {
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    const feed = (async () => {
      let chunk: Uint8Array = Buffer.from(firstChunk);
      while (!gunzip.destroyed) {
        if (!gunzip.write(chunk)) {
          await new Promise((resolve) => {
            gunzip.once('drain', resolve);
            gunzip.once('close', resolve);
          });
        }
        if (gunzip.destroyed) return;
        const buf = this.slots[1];
        const n = await this.read(buf, HEAD_BYTES);
        if (n === 0) break;
        chunk = Buffer.from(buf.subarray(HEAD_BYTES, HEAD_BYTES + n));
      }
      if (!gunzip.destroyed) gunzip.end();
    })();
    feed.catch((err) => gunzip.destroy(err as Error));

    const work = this.slots[0];
    let parser: RecordParser | null = null;
    let sink: RecordSink | null = null;
    let format: 'pcap' | 'pcapng' = 'pcap';
    let carry = 0;
    let skip = 0;
    let streamAt = 0; // decompressed offset of work[HEAD_BYTES]
    let cutShort: string | null = null;
    try {
      for await (const out of gunzip as AsyncIterable<Buffer>) {
        let data: Uint8Array = out;
        while (data.length > 0) {
          const take = Math.min(data.length, CHUNK_BYTES);
          work.set(data.subarray(0, take), HEAD_BYTES);
          data = data.subarray(take);
          if (parser === null) {
            const kind = sniffContainer(work.subarray(HEAD_BYTES - carry, HEAD_BYTES + take));
            if (kind.kind === 'unknown') throw new CaptureInputError(this.path, 0, `inside gzip: ${kind.reason}`, true);
            if (kind.kind === 'gzip') throw new CaptureInputError(this.path, 0, 'gzip inside gzip is not supported', true);
            format = kind.kind;
            sink = makeSink(format);
            parser = createParser(format, sink);
          }
          const active: RecordParser = parser;
          let start = HEAD_BYTES - carry;
          const end = HEAD_BYTES + take;
          if (skip > 0) {
            const s = Math.min(skip, take);
            skip -= s;
            start = HEAD_BYTES + s;
          }
          const pos = start < end ? this.parseDecompressed(active, work, start, end, streamAt - HEAD_BYTES) : start;
          if (pos > end) {
            skip = pos - end;
            carry = 0;
          } else {
            carry = end - pos;
            if (carry > HEAD_BYTES) {
              throw new CaptureInputError(this.path, streamAt + take - carry, `block of ${active.needed} bytes inside gzip is larger than vmkscope buffers for compressed input`, true);
            }
            work.copyWithin(HEAD_BYTES - carry, pos, end);
          }
          streamAt += take;
        }
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'Z_BUF_ERROR' && e.code !== 'Z_DATA_ERROR') throw err;
      if (parser === null) throw new CaptureInputError(this.path, this.bytesRead, `gzip data is corrupt: ${e.message}`);
      cutShort = e.code === 'Z_BUF_ERROR' ? `gzip stream cut short after ${this.bytesRead} compressed bytes` : `gzip data corrupt near compressed byte ${this.bytesRead}: ${e.message}`;
    } finally {
      // Stop the feeder and wait for it: no read may outlive this pass on the descriptor.
      if (!gunzip.writableFinished) gunzip.destroy();
      await feed.catch(() => undefined);
    }
    if (parser === null || sink === null) throw new CaptureInputError(this.path, 0, 'gzip stream holds no data', true);
    if (cutShort !== null) sink.warning(`${cutShort}; everything decompressed before it was read`);
    if (skip > 0) sink.warning(`capture cut short at decompressed byte ${streamAt}: a skipped block announced ${skip} more bytes`);
    else this.finish(parser, carry, streamAt - carry, true);
    return format;
  }

  private parseDecompressed(parser: RecordParser, buf: Uint8Array, start: number, end: number, bufBase: number): number {
    try {
      return parser.parse(buf, start, end, bufBase);
    } catch (err) {
      if (err instanceof CaptureFormatError) throw new CaptureInputError(this.path, err.offset, err.message, true);
      throw err;
    }
  }
}
