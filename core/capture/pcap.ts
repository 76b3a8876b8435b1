import { CaptureFormatError } from '../contract/errors.js';
import { MAX_RECORD_BYTES, type CaptureInterface, type RecordParser, type RecordSink } from './record-sink.js';

/** Classic pcap magics, read as a little-endian u32 from the first four bytes. */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap ("modified" format): 24-byte record headers. tshark reads it. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

const FILE_HEADER_BYTES = 24;

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Which classic-pcap variant a magic number (read little-endian) announces, or null. */
export function classifyPcapMagic(magicLe: number): { littleEndian: boolean; magic: number } | null {
  for (const magic of [PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, PCAP_MAGIC_MODIFIED]) {
    if (magicLe === magic) return { littleEndian: true, magic };
    if (swap32(magicLe) === magic) return { littleEndian: false, magic };
  }
  return null;
}

/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte header (24 in the
 * "modified" variant) and captured bytes. Either byte order, µs or ns timestamps.
 */
export class PcapParser implements RecordParser {
  readonly format = 'pcap';
  needed = FILE_HEADER_BYTES;
  private headerDone = false;
  private le = true;
  private nano = false;
  private recordHeaderBytes = 16;
  private iface: CaptureInterface | null = null;
  private dv: DataView | null = null;
  private dvBuf: Uint8Array | null = null;
  private records = 0;
  private warnedSnaplen = false;
  private warnedSubsecond = false;

  constructor(private readonly sink: RecordSink) {}

  parse(buf: Uint8Array, start: number, end: number, bufBase: number): number {
    if (buf !== this.dvBuf) {
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.dvBuf = buf;
    }
    const dv = this.dv!;
    let pos = start;
    if (!this.headerDone) {
      if (end - pos < FILE_HEADER_BYTES) {
        this.needed = FILE_HEADER_BYTES;
        return pos;
      }
      this.readFileHeader(dv, pos, bufBase);
      pos += FILE_HEADER_BYTES;
    }
    const le = this.le;
    const hdr = this.recordHeaderBytes;
    const iface = this.iface!;
    const sink = this.sink;
    const snaplen = iface.snaplen;
    const subUnit = this.nano ? 1_000_000_000 : 1_000_000;
    const toNanos = this.nano ? 1 : 1000;
    for (;;) {
      if (end - pos < hdr) {
        this.needed = hdr;
        return pos;
      }
      const capLen = dv.getUint32(pos + 8, le);
      if (capLen > MAX_RECORD_BYTES) {
        throw new CaptureFormatError(
          `record ${this.records + 1} claims ${capLen} captured bytes, more than the ${MAX_RECORD_BYTES}-byte (256 KiB) maximum: the file is corrupt here`,
          bufBase + pos,
        );
      }
      if (end - pos - hdr < capLen) {
        this.needed = hdr + capLen;
        return pos;
      }
      let sec = dv.getUint32(pos, le);
      let sub = dv.getUint32(pos + 4, le);
      if (sub >= subUnit) {
        if (!this.warnedSubsecond) this.subsecondWarning(sub, bufBase + pos);
        sec += Math.floor(sub / subUnit);
        sub %= subUnit;
      }
      if (capLen > snaplen && snaplen > 0 && !this.warnedSnaplen) this.snaplenWarning(capLen, bufBase + pos);
      this.records++;
      sink.frame(buf, pos + hdr, capLen, dv.getUint32(pos + 12, le), sec, sub * toNanos, iface, bufBase + pos);
      pos += hdr + capLen;
    }
  }

  finish(leftover: number, at: number): void {
    if (!this.headerDone) {
      throw new CaptureFormatError(
        `file header cut short: ${leftover} of the ${FILE_HEADER_BYTES} bytes of a pcap file header are present`,
        at,
      );
    }
    if (leftover > 0) {
      const part = leftover < this.recordHeaderBytes ? 'record header' : 'record data';
      this.sink.warning(
        `capture cut short at byte ${at}: record ${this.records + 1} is incomplete (${leftover} bytes of its ${part}); the ${this.records} records before it were read`,
      );
    }
  }

  private readFileHeader(dv: DataView, pos: number, bufBase: number): void {
    const kind = classifyPcapMagic(dv.getUint32(pos, true));
    if (kind === null) throw new CaptureFormatError('not a pcap file: unknown magic number', bufBase + pos);
    const le = kind.littleEndian;
    const major = dv.getUint16(pos + 4, le);
    const minor = dv.getUint16(pos + 6, le);
    if (major !== 2) {
      throw new CaptureFormatError(`pcap major version ${major}.${minor} is not supported (only 2.x exists)`, bufBase + pos + 4);
    }
    const snaplen = dv.getUint32(pos + 16, le);
    const linkField = dv.getUint32(pos + 20, le);
    // Bits 16-25 are reserved and must be zero; bits 26-31 carry FCS information that tshark
    // (and we) ignore (the pcap draft's "FCS len" and P bit).
    if (((linkField >>> 16) & 0x3ff) !== 0) {
      throw new CaptureFormatError(
        `pcap link-type field 0x${linkField.toString(16).padStart(8, '0')} has reserved bits set`,
        bufBase + pos + 20,
      );
    }
    this.le = le;
    this.nano = kind.magic === PCAP_MAGIC_NANO;
    this.recordHeaderBytes = kind.magic === PCAP_MAGIC_MODIFIED ? 24 : 16;
    this.headerDone = true;
    if (minor !== 4) this.sink.warning(`pcap version 2.${minor} (expected 2.4); read as 2.4`);
    this.iface = {
      index: 0,
      section: 0,
      idInSection: 0,
      linkType: linkField & 0xffff,
      snaplen,
      timeDigits: this.nano ? 9 : 6,
      name: null,
    };
    this.sink.interface(this.iface);
  }

  private snaplenWarning(capLen: number, at: number): void {
    this.warnedSnaplen = true;
    this.sink.warning(
      `record ${this.records + 1} at byte ${at} holds ${capLen} bytes, more than the file header's snaplen ${this.iface!.snaplen}: the header's snaplen is wrong; records are read as stored (as tshark does)`,
    );
  }

  private subsecondWarning(sub: number, at: number): void {
    this.warnedSubsecond = true;
    this.sink.warning(
      `record ${this.records + 1} at byte ${at} has an out-of-range sub-second timestamp field (${sub}); carried into the seconds`,
    );
  }
}
