/**
 * Hand-made capture files, byte by byte, for tests that need exactly the blocks and records a
 * hostile or broken file holds (lengths that lie, odd link types, timestamps out of order). The
 * well-formed pieces come from core/capture/writer.ts, as the generator writes them.
 */
import {
  PCAPNG_SHB_BYTES,
  pcapngInterfaceBytes,
  writePcapFileHeader,
  writePcapRecordHeader,
  writePcapngInterface,
  writePcapngPacketHeader,
  writePcapngSectionHeader,
} from '../../core/capture/writer.js';
import { template } from './pcap-builder.js';

function block(bytes: number, write: (dv: DataView) => void): Buffer {
  const b = Buffer.alloc(bytes);
  write(new DataView(b.buffer, b.byteOffset, b.byteLength));
  return b;
}

export function shb(le = true): Buffer {
  return block(PCAPNG_SHB_BYTES, (dv) => writePcapngSectionHeader(dv, 0, le));
}

export function idb(linkType: number, o: { le?: boolean; snaplen?: number; name?: string | null; tsresol?: number } = {}): Buffer {
  const name = o.name ?? null;
  const tsresol = o.tsresol ?? 6;
  return block(pcapngInterfaceBytes(name, tsresol), (dv) => writePcapngInterface(dv, 0, o.le ?? true, { linkType, snaplen: o.snaplen ?? 0, name, tsresol }));
}

/** An Enhanced Packet Block; `ts` in the interface's units (µs by default), `capLen`/`origLen` may lie. */
export function epb(iface: number, frame: Uint8Array, o: { le?: boolean; ts?: bigint; capLen?: number; origLen?: number } = {}): Buffer {
  const ts = o.ts ?? 0n;
  return block(32 + ((frame.length + 3) & ~3), (dv) => {
    new Uint8Array(dv.buffer, dv.byteOffset + 28, frame.length).set(frame);
    writePcapngPacketHeader(dv, 0, o.le ?? true, iface, Number(ts >> 32n), Number(ts & 0xffffffffn), frame.length, o.origLen ?? frame.length);
    if (o.capLen !== undefined) dv.setUint32(20, o.capLen, o.le ?? true);
  });
}

/** Any block: type, the length it claims (at both ends), and a body. */
export function rawBlock(type: number, claimedLength: number, body: Uint8Array = new Uint8Array(0), le = true): Buffer {
  return block(12 + body.length, (dv) => {
    dv.setUint32(0, type, le);
    dv.setUint32(4, claimedLength, le);
    new Uint8Array(dv.buffer, dv.byteOffset + 8, body.length).set(body);
    dv.setUint32(8 + body.length, claimedLength, le);
  });
}

export interface RawRecord {
  frame: Uint8Array;
  sec?: number;
  usec?: number;
  /** What the record header claims, when it must lie. */
  capLen?: number;
  origLen?: number;
}

/** A little-endian µs pcap of raw frames of one link type. */
export function pcapOf(linkType: number, records: RawRecord[]): Buffer {
  const parts = [block(24, (dv) => writePcapFileHeader(dv, 0, { le: true, nano: false, snaplen: 262144, linkType }))];
  for (const r of records) {
    parts.push(block(16, (dv) => writePcapRecordHeader(dv, 0, true, r.sec ?? 1768471200, r.usec ?? 0, r.capLen ?? r.frame.length, r.origLen ?? r.frame.length)));
    parts.push(Buffer.from(r.frame));
  }
  return Buffer.concat(parts);
}

/** An Ethernet/IPv4/UDP frame of the synthetic site (198.18.20.11:50000 → 198.18.20.12:8000). */
export function udpFrame(payload = 18, ports: { src?: number; dst?: number } = {}): Uint8Array {
  const frame = new Uint8Array(1600);
  const len = template({ protocol: 'udp', srcPort: ports.src, dstPort: ports.dst }).write(frame, 0, payload, new Uint8Array(payload), 0, 0, 0, 0);
  return frame.slice(0, len);
}
