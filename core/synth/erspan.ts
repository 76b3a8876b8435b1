/**
 * Mirrored copies as a vDS "Encapsulated Remote Mirroring (L3) Source" session sends them to a
 * collector (vsphere-traffic.md 6.3): outer Ethernet + IPv4 (protocol 47) + GRE + the ERSPAN
 * header of the type, then the mirrored frame. Type I: GRE 0x88BE without sequence number and
 * no ERSPAN header; II: 0x88BE with sequence number and an 8-byte header; III: 0x22EB with
 * sequence number and a 12-byte header.
 */
import { writeIpv4HeaderChecksum } from '../net/checksum.js';

export type ErspanType = 1 | 2 | 3;

export interface ErspanSession {
  type: ErspanType;
  /** ERSPAN session id (10 bits). */
  session: number;
  /** The mirroring host (its vmk) and the collector. */
  srcMac: readonly number[];
  srcIp: readonly number[];
  dstMac: readonly number[];
  dstIp: readonly number[];
}

/** Bytes in front of the mirrored frame. */
export function erspanOverhead(type: ErspanType): number {
  return 14 + 20 + (type === 1 ? 4 : 8) + (type === 1 ? 0 : type === 2 ? 8 : 12);
}

/**
 * Encapsulates frames of one session; keeps the GRE sequence number and the outer IP id. The
 * mirrored frame's 802.1Q VLAN also goes into the ERSPAN header (type II with En = 3: tag kept
 * in the frame).
 */
export class ErspanEncapsulator {
  private seq = 0;
  private ipId = 0;
  readonly overhead: number;

  constructor(private readonly s: ErspanSession) {
    this.overhead = erspanOverhead(s.type);
  }

  /**
   * Write the outer headers at out[at...] for the frame of `frameLen` bytes that already sits at
   * out[at + overhead]. `ticks` is the type III timestamp: 100 ns units (Gra 01), low 32 bits.
   */
  wrap(out: Uint8Array, at: number, frameLen: number, ticks: number): void {
    const s = this.s;
    out.fill(0, at, at + this.overhead);
    out.set(s.dstMac, at);
    out.set(s.srcMac, at + 6);
    out[at + 12] = 0x08;
    const ip = at + 14;
    const total = this.overhead - 14 + frameLen;
    out[ip] = 0x45;
    out[ip + 2] = total >> 8;
    out[ip + 3] = total & 0xff;
    this.ipId = (this.ipId + 1) & 0xffff;
    out[ip + 4] = this.ipId >> 8;
    out[ip + 5] = this.ipId & 0xff;
    out[ip + 8] = 64;
    out[ip + 9] = 47; // GRE
    out.set(s.srcIp, ip + 12);
    out.set(s.dstIp, ip + 16);
    writeIpv4HeaderChecksum(out, ip);
    const gre = ip + 20;
    const proto = s.type === 3 ? 0x22eb : 0x88be;
    out[gre + 2] = proto >> 8;
    out[gre + 3] = proto & 0xff;
    if (s.type === 1) return;
    out[gre] = 0x10; // S: sequence number present
    this.seq = (this.seq + 1) >>> 0;
    writeU32(out, gre + 4, this.seq);
    const e = gre + 8;
    const frame = at + this.overhead;
    const tagged = out[frame + 12] === 0x81 && out[frame + 13] === 0x00;
    const vlan = tagged ? ((out[frame + 14] & 0x0f) << 8) | out[frame + 15] : 0;
    out[e] = ((s.type === 2 ? 1 : 2) << 4) | (vlan >> 8);
    out[e + 1] = vlan & 0xff;
    // COS 0; type II En (bits 4-3) = 3 when the tag stays in the frame; type III BSO 0; T 0.
    out[e + 2] = ((s.type === 2 && tagged ? 3 : 0) << 3) | ((s.session >> 8) & 0x03);
    out[e + 3] = s.session & 0xff;
    if (s.type === 3) {
      writeU32(out, e + 4, ticks >>> 0);
      out[e + 11] = 0x01 << 1; // FT 0 (Ethernet), D 0, Gra 01 (100 ns), O 0
    }
  }
}

function writeU32(out: Uint8Array, off: number, v: number): void {
  out[off] = v >>> 24;
  out[off + 1] = (v >>> 16) & 0xff;
  out[off + 2] = (v >>> 8) & 0xff;
  out[off + 3] = v & 0xff;
}
