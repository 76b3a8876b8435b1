/**
 * Writing capture files: the pieces the generator, the lab's rewriter and carving share. Each
 * writes into a DataView at an offset and returns the bytes written, so callers can fill their own
 * buffers without copies. `le` picks the byte order (pcapng sections and classic pcap files carry
 * theirs in their magic).
 */
import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO } from './pcap.js';
import { PCAPNG_SHB } from './pcapng.js';

export const PCAP_FILE_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;
export const PCAPNG_SHB_BYTES = 28;
export const PCAPNG_EPB_OVERHEAD = 32;

export function writePcapFileHeader(dv: DataView, off: number, o: { le: boolean; nano: boolean; snaplen: number; linkType: number }): number {
  dv.setUint32(off, o.nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, o.le);
  dv.setUint16(off + 4, 2, o.le);
  dv.setUint16(off + 6, 4, o.le);
  dv.setUint32(off + 8, 0, o.le);
  dv.setUint32(off + 12, 0, o.le);
  dv.setUint32(off + 16, o.snaplen, o.le);
  dv.setUint32(off + 20, o.linkType, o.le);
  return PCAP_FILE_HEADER_BYTES;
}

/** A record header; `sub` is µs or ns as the file's magic says. */
export function writePcapRecordHeader(dv: DataView, off: number, le: boolean, sec: number, sub: number, capLen: number, origLen: number): number {
  dv.setUint32(off, sec, le);
  dv.setUint32(off + 4, sub, le);
  dv.setUint32(off + 8, capLen, le);
  dv.setUint32(off + 12, origLen, le);
  return PCAP_RECORD_HEADER_BYTES;
}

/** A Section Header Block with no options (version 1.0, section length unknown). */
export function writePcapngSectionHeader(dv: DataView, off: number, le: boolean): number {
  dv.setUint32(off, PCAPNG_SHB, le);
  dv.setUint32(off + 4, PCAPNG_SHB_BYTES, le);
  dv.setUint32(off + 8, 0x1a2b3c4d, le);
  dv.setUint16(off + 12, 1, le);
  dv.setUint16(off + 14, 0, le);
  dv.setInt32(off + 16, -1, le);
  dv.setInt32(off + 20, -1, le);
  dv.setUint32(off + 24, PCAPNG_SHB_BYTES, le);
  return PCAPNG_SHB_BYTES;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Bytes an Interface Description Block with these options takes. */
export function pcapngInterfaceBytes(name: string | null, tsresol: number): number {
  const nameLen = name === null ? 0 : new TextEncoder().encode(name).length;
  return 20 + (name === null ? 0 : 4 + pad4(nameLen)) + (tsresol === 6 ? 0 : 8) + 4;
}

/** An Interface Description Block: link type, snaplen, if_name, if_tsresol (omitted for the default µs). */
export function writePcapngInterface(dv: DataView, off: number, le: boolean, o: { linkType: number; snaplen: number; name: string | null; tsresol: number }): number {
  const len = pcapngInterfaceBytes(o.name, o.tsresol);
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
  bytes.fill(0, off, off + len);
  dv.setUint32(off, 1, le);
  dv.setUint32(off + 4, len, le);
  dv.setUint16(off + 8, o.linkType, le);
  dv.setUint32(off + 12, o.snaplen, le);
  let p = off + 16;
  if (o.name !== null) {
    const name = new TextEncoder().encode(o.name);
    dv.setUint16(p, 2, le); // if_name
    dv.setUint16(p + 2, name.length, le);
    bytes.set(name, p + 4);
    p += 4 + pad4(name.length);
  }
  if (o.tsresol !== 6) {
    dv.setUint16(p, 9, le); // if_tsresol
    dv.setUint16(p + 2, 1, le);
    dv.setUint8(p + 4, o.tsresol);
    p += 8;
  }
  dv.setUint32(p, 0, le); // opt_endofopt
  dv.setUint32(off + len - 4, len, le);
  return len;
}

/**
 * An Enhanced Packet Block holding `capLen` bytes already placed at off + 28 (the caller copies
 * the frame there first). Timestamps in the interface's units since the epoch, as two halves.
 */
export function writePcapngPacketHeader(dv: DataView, off: number, le: boolean, iface: number, tsHigh: number, tsLow: number, capLen: number, origLen: number): number {
  const padded = pad4(capLen);
  const len = PCAPNG_EPB_OVERHEAD + padded;
  dv.setUint32(off, 6, le);
  dv.setUint32(off + 4, len, le);
  dv.setUint32(off + 8, iface, le);
  dv.setUint32(off + 12, tsHigh, le);
  dv.setUint32(off + 16, tsLow, le);
  dv.setUint32(off + 20, capLen, le);
  dv.setUint32(off + 24, origLen, le);
  // At most three pad bytes, zeroed in place: no view made per packet (live --save writes one per frame).
  for (let p = off + 28 + capLen; p < off + 28 + padded; p++) dv.setUint8(p, 0);
  dv.setUint32(off + 28 + padded, len, le);
  return len;
}

/** Seconds + nanoseconds as pcapng units (10^-digits s) split into 32-bit halves, exactly. */
export function pcapngTimestamp(sec: number, nsec: number, digits: 6 | 9): [number, number] {
  const units = digits === 9 ? BigInt(sec) * 1_000_000_000n + BigInt(nsec) : BigInt(sec) * 1_000_000n + BigInt(Math.floor(nsec / 1000));
  return [Number(units >> 32n), Number(units & 0xffffffffn)];
}

/** Interface statistics counters of an ISB; null ones are left out. */
export interface PcapngStatistics {
  /** isb_ifrecv: packets the interface received. */
  ifRecv: number | null;
  /** isb_ifdrop: packets the interface dropped for lack of resources. */
  ifDrop: number | null;
  /** isb_osdrop: packets the OS (the capture buffer) dropped. */
  osDrop: number | null;
}

/** Bytes an Interface Statistics Block with these counters takes. */
export function pcapngStatisticsBytes(s: PcapngStatistics): number {
  const options = [s.ifRecv, s.ifDrop, s.osDrop].filter((v) => v !== null).length;
  return 20 + 12 * options + 4 + 4;
}

/** An Interface Statistics Block; the timestamp is in the interface's units, as two halves. */
export function writePcapngStatistics(dv: DataView, off: number, le: boolean, iface: number, tsHigh: number, tsLow: number, s: PcapngStatistics): number {
  const len = pcapngStatisticsBytes(s);
  dv.setUint32(off, 5, le);
  dv.setUint32(off + 4, len, le);
  dv.setUint32(off + 8, iface, le);
  dv.setUint32(off + 12, tsHigh, le);
  dv.setUint32(off + 16, tsLow, le);
  let p = off + 20;
  for (const [code, value] of [
    [4, s.ifRecv],
    [5, s.ifDrop],
    [7, s.osDrop],
  ] as const) {
    if (value === null) continue;
    dv.setUint16(p, code, le);
    dv.setUint16(p + 2, 8, le);
    dv.setBigUint64(p + 4, BigInt(value), le);
    p += 12;
  }
  dv.setUint32(p, 0, le); // opt_endofopt
  dv.setUint32(off + len - 4, len, le);
  return len;
}
