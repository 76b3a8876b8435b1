import { CaptureFormatError } from '../contract/errors.js';
import { MAX_RECORD_BYTES, type CaptureInterface, type RecordParser, type RecordSink } from './record-sink.js';
import { TimestampScale } from './timestamp.js';

/** Block types (pcapng draft, section 4 and the block type registry). */
export const PCAPNG_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_OPB = 2;
const BT_SPB = 3;
const BT_ISB = 5;
const BT_EPB = 6;
/** Custom Blocks, copyable and not: Wireshark 4.0 lists each as a frame of (length - 16) bytes. */
const BT_CB = 0x00000bad;
const BT_DCB = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** A block we must hold whole in memory may not exceed this (Wireshark's limit is 16 MiB too). */
const MAX_HELD_BLOCK_BYTES = 16 * 1024 * 1024;
/**
 * Interfaces in one capture, over all its sections. Each costs memory and a line in the report
 * (a 20-byte block made about 600 bytes of both), so a file of nothing but Interface
 * Description Blocks must not make memory grow without bound; real captures have a few.
 */
const MAX_INTERFACES = 65536;

/**
 * Timestamps the report can state in ISO 8601 (years 0000 to 9999). A 64-bit pcapng timestamp in
 * µs reaches the year 586 000, and if_tsoffset adds any 64-bit number of seconds.
 */
const MIN_TIME_SEC = -62167219200;
const MAX_TIME_SEC = 253402300799;

const OPT_END = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const ISB_IFDROP = 5;
const ISB_OSDROP = 7;

interface NgInterface extends CaptureInterface {
  readonly scale: TimestampScale;
  /** if_tsoffset: seconds added to every timestamp of this interface. */
  readonly tsOffset: number;
}

/**
 * pcapng: sections (each with its own byte order), interfaces with their own link type and
 * timestamp resolution, Enhanced/Simple/Obsolete packet blocks, statistics. Blocks we do not
 * need (NRB, DSB, custom, unknown) are skipped by their length without being buffered.
 */
export class PcapngParser implements RecordParser {
  readonly format = 'pcapng';
  needed = 12;
  private le = true;
  private section = -1;
  private sectionIfaces: NgInterface[] = [];
  private ifaceCount = 0;
  private records = 0;
  private dv: DataView | null = null;
  private dvBuf: Uint8Array | null = null;
  private warnedSpb = false;
  private warnedSnaplen = false;
  private warnedTime = false;

  constructor(private readonly sink: RecordSink) {}

  parse(buf: Uint8Array, start: number, end: number, bufBase: number): number {
    if (buf !== this.dvBuf) {
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.dvBuf = buf;
    }
    const dv = this.dv!;
    let pos = start;
    for (;;) {
      const avail = end - pos;
      if (avail < 12) {
        this.needed = 12;
        return pos;
      }
      let type = dv.getUint32(pos, this.le);
      if (type === PCAPNG_SHB || this.section < 0) {
        // The byte order of a section is known only from its header's byte-order magic.
        const magicLe = dv.getUint32(pos + 8, true);
        if (dv.getUint32(pos, true) !== PCAPNG_SHB) {
          throw new CaptureFormatError('not a pcapng file: the first block is not a Section Header Block', bufBase + pos);
        }
        if (magicLe === BYTE_ORDER_MAGIC) this.le = true;
        else if (magicLe === 0x4d3c2b1a) this.le = false;
        else throw new CaptureFormatError('pcapng Section Header Block has an unknown byte-order magic', bufBase + pos + 8);
        type = PCAPNG_SHB;
      }
      const le = this.le;
      const len = dv.getUint32(pos + 4, le);
      if (len < 12 || len % 4 !== 0) {
        throw new CaptureFormatError(
          `pcapng block of type 0x${type.toString(16)} has an invalid length ${len} (must be a multiple of 4, at least 12)`,
          bufBase + pos + 4,
        );
      }
      const held = type === PCAPNG_SHB || type === BT_IDB || type === BT_EPB || type === BT_SPB || type === BT_OPB || type === BT_ISB;
      if (!held) {
        if (type === BT_CB || type === BT_DCB) {
          this.records++;
          this.sink.opaque(len - 16, bufBase + pos);
        }
        // Skipped blocks are not buffered; the trailing length is checked only when present.
        if (avail >= len && dv.getUint32(pos + len - 4, le) !== len) this.lengthMismatch(dv, pos, len, type, bufBase);
        pos += len;
        if (pos > end) return pos;
        continue;
      }
      if (len > MAX_HELD_BLOCK_BYTES) {
        throw new CaptureFormatError(
          `pcapng block of type 0x${type.toString(16)} claims ${len} bytes, more than the ${MAX_HELD_BLOCK_BYTES}-byte limit: the file is corrupt here`,
          bufBase + pos + 4,
        );
      }
      if (avail < len) {
        this.needed = len;
        return pos;
      }
      if (dv.getUint32(pos + len - 4, le) !== len) this.lengthMismatch(dv, pos, len, type, bufBase);
      switch (type) {
        case BT_EPB:
          this.enhancedPacket(buf, dv, pos, len, bufBase);
          break;
        case PCAPNG_SHB:
          this.sectionHeader(dv, pos, len, bufBase);
          break;
        case BT_IDB:
          this.interfaceDescription(dv, pos, len, bufBase);
          break;
        case BT_SPB:
          this.simplePacket(buf, dv, pos, len, bufBase);
          break;
        case BT_OPB:
          this.obsoletePacket(buf, dv, pos, len, bufBase);
          break;
        case BT_ISB:
          this.statistics(dv, pos, len, bufBase);
          break;
      }
      pos += len;
    }
  }

  finish(leftover: number, at: number): void {
    if (this.section < 0) {
      throw new CaptureFormatError(`file cut short: ${leftover} bytes, not enough for a pcapng Section Header Block`, at);
    }
    if (leftover > 0) {
      this.sink.warning(
        `capture cut short at byte ${at}: the last block is incomplete (${leftover} bytes present); the ${this.records} packets before it were read`,
      );
    }
  }

  private lengthMismatch(dv: DataView, pos: number, len: number, type: number, bufBase: number): never {
    const trailer = dv.getUint32(pos + len - 4, this.le);
    throw new CaptureFormatError(
      `pcapng block length mismatch: block of type 0x${type.toString(16)} says ${len} bytes at its start and ${trailer} at its end`,
      bufBase + pos + len - 4,
    );
  }

  private sectionHeader(dv: DataView, pos: number, len: number, bufBase: number): void {
    if (len < 28) throw new CaptureFormatError(`pcapng Section Header Block too short (${len} bytes)`, bufBase + pos + 4);
    const major = dv.getUint16(pos + 12, this.le);
    const minor = dv.getUint16(pos + 14, this.le);
    // pcapng 1.0 is current; 1.2 was written by old tools and is read the same (as libpcap and Wireshark do).
    if (major !== 1 || (minor !== 0 && minor !== 2)) {
      throw new CaptureFormatError(`pcapng version ${major}.${minor} is not supported (expected 1.0)`, bufBase + pos + 12);
    }
    this.walkOptions(dv, pos + 24, pos + len - 4, bufBase, 'Section Header Block', null);
    this.section++;
    this.sectionIfaces = [];
  }

  private interfaceDescription(dv: DataView, pos: number, len: number, bufBase: number): void {
    if (len < 20) throw new CaptureFormatError(`pcapng Interface Description Block too short (${len} bytes)`, bufBase + pos + 4);
    if (this.ifaceCount >= MAX_INTERFACES) {
      throw new CaptureFormatError(`pcapng Interface Description Block ${this.ifaceCount + 1}: more than ${MAX_INTERFACES} interfaces in one capture; the file is corrupt here`, bufBase + pos);
    }
    const le = this.le;
    const linkType = dv.getUint16(pos + 8, le);
    const snaplen = dv.getUint32(pos + 12, le);
    let tsresol = 6;
    let tsOffset = 0;
    let name: string | null = null;
    this.walkOptions(dv, pos + 16, pos + len - 4, bufBase, 'Interface Description Block', (code, at, olen) => {
      if (code === IF_TSRESOL && olen >= 1) tsresol = dv.getUint8(at);
      else if (code === IF_TSOFFSET && olen >= 8) {
        tsOffset = Number(dv.getBigInt64(at, le));
      } else if (code === IF_NAME) name = latin1(dv, at, olen);
    });
    const iface: NgInterface = {
      index: this.ifaceCount++,
      section: this.section,
      idInSection: this.sectionIfaces.length,
      linkType,
      snaplen,
      timeDigits: new TimestampScale(tsresol).digits,
      name,
      scale: new TimestampScale(tsresol),
      tsOffset,
    };
    this.sectionIfaces.push(iface);
    this.sink.interface(iface);
  }

  private ifaceFor(id: number, at: number, what: string): NgInterface {
    const iface = this.sectionIfaces[id];
    if (iface === undefined) {
      throw new CaptureFormatError(
        `${what} refers to interface ${id}, but this section has ${this.sectionIfaces.length} interface(s)`,
        at,
      );
    }
    return iface;
  }

  private enhancedPacket(buf: Uint8Array, dv: DataView, pos: number, len: number, bufBase: number): void {
    const le = this.le;
    const iface = this.ifaceFor(dv.getUint32(pos + 8, le), bufBase + pos + 8, 'Enhanced Packet Block');
    const capLen = dv.getUint32(pos + 20, le);
    this.checkCapLen(capLen, len - 32, bufBase + pos + 20, iface);
    iface.scale.convert(dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le));
    this.emit(buf, pos + 28, capLen, dv.getUint32(pos + 24, le), iface, bufBase + pos);
  }

  private obsoletePacket(buf: Uint8Array, dv: DataView, pos: number, len: number, bufBase: number): void {
    const le = this.le;
    const iface = this.ifaceFor(dv.getUint16(pos + 8, le), bufBase + pos + 8, 'Packet Block');
    const capLen = dv.getUint32(pos + 20, le);
    this.checkCapLen(capLen, len - 32, bufBase + pos + 20, iface);
    iface.scale.convert(dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le));
    this.emit(buf, pos + 28, capLen, dv.getUint32(pos + 24, le), iface, bufBase + pos);
  }

  private simplePacket(buf: Uint8Array, dv: DataView, pos: number, len: number, bufBase: number): void {
    const iface = this.ifaceFor(0, bufBase + pos, 'Simple Packet Block');
    const origLen = dv.getUint32(pos + 8, this.le);
    // An SPB holds min(original length, snaplen) bytes; it carries no length field of its own.
    let capLen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0) capLen = Math.min(capLen, iface.snaplen);
    if (capLen > MAX_RECORD_BYTES) capLen = MAX_RECORD_BYTES;
    if (!this.warnedSpb) {
      this.warnedSpb = true;
      this.sink.warning('Simple Packet Blocks carry no timestamp: their packets are given the time of the packet before them');
    }
    this.records++;
    this.sink.frame(buf, pos + 12, capLen, origLen, 0, -1, iface, bufBase + pos);
  }

  private statistics(dv: DataView, pos: number, len: number, bufBase: number): void {
    if (len < 24) throw new CaptureFormatError(`pcapng Interface Statistics Block too short (${len} bytes)`, bufBase + pos + 4);
    const le = this.le;
    const iface = this.ifaceFor(dv.getUint32(pos + 8, le), bufBase + pos + 8, 'Interface Statistics Block');
    let ifDrop: number | null = null;
    let osDrop: number | null = null;
    this.walkOptions(dv, pos + 20, pos + len - 4, bufBase, 'Interface Statistics Block', (code, at, olen) => {
      if (olen < 8) return;
      if (code === ISB_IFDROP) ifDrop = Number(dv.getBigUint64(at, le));
      else if (code === ISB_OSDROP) osDrop = Number(dv.getBigUint64(at, le));
    });
    this.sink.drops(iface, ifDrop, osDrop);
  }

  private checkCapLen(capLen: number, room: number, at: number, iface: NgInterface): void {
    if (capLen > MAX_RECORD_BYTES) {
      throw new CaptureFormatError(
        `packet ${this.records + 1} claims ${capLen} captured bytes, more than the ${MAX_RECORD_BYTES}-byte (256 KiB) maximum: the file is corrupt here`,
        at,
      );
    }
    if (capLen > room) {
      throw new CaptureFormatError(
        `packet ${this.records + 1} claims ${capLen} captured bytes but its block has room for ${room}`,
        at,
      );
    }
    if (capLen > iface.snaplen && iface.snaplen > 0 && !this.warnedSnaplen) {
      this.warnedSnaplen = true;
      this.sink.warning(
        `packet ${this.records + 1} holds ${capLen} bytes, more than interface ${iface.idInSection}'s snaplen ${iface.snaplen}; read as stored`,
      );
    }
  }

  private emit(buf: Uint8Array, off: number, capLen: number, origLen: number, iface: NgInterface, recordOffset: number): void {
    const sec = iface.scale.sec + iface.tsOffset;
    let nsec = iface.scale.nsec;
    if (!(sec >= MIN_TIME_SEC && sec <= MAX_TIME_SEC)) {
      if (!this.warnedTime) {
        this.warnedTime = true;
        this.sink.warning(
          `packet ${this.records + 1} at byte ${recordOffset} has a timestamp outside the years 0000-9999 (${sec} s since 1970: a corrupt timestamp, if_tsresol or if_tsoffset); it and any like it are given the time of the packet before them`,
        );
      }
      // Read as a packet without a timestamp (as a Simple Packet Block is).
      nsec = -1;
    }
    this.records++;
    this.sink.frame(buf, off, capLen, origLen, sec, nsec, iface, recordOffset);
  }

  /** Options are TLVs padded to 4 bytes, ended by opt_endofopt or the end of the block body. */
  private walkOptions(
    dv: DataView,
    from: number,
    to: number,
    bufBase: number,
    block: string,
    visit: ((code: number, at: number, len: number) => void) | null,
  ): void {
    let at = from;
    while (at + 4 <= to) {
      const code = dv.getUint16(at, this.le);
      const olen = dv.getUint16(at + 2, this.le);
      if (code === OPT_END) return;
      if (at + 4 + olen > to) {
        throw new CaptureFormatError(
          `pcapng ${block}: option ${code} of length ${olen} runs past the end of the block`,
          bufBase + at,
        );
      }
      if (visit !== null) visit(code, at + 4, olen);
      at += 4 + ((olen + 3) & ~3);
    }
  }
}

function latin1(dv: DataView, at: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = dv.getUint8(at + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
