import { writeIpv4HeaderChecksum } from '../net/checksum.js';

/**
 * Header templates for synthetic frames: the Ethernet/802.1Q/IP/TCP-or-UDP headers of one
 * direction of a conversation are built once; each packet patches lengths, ids, sequence
 * numbers and the IPv4 checksum. TCP/UDP checksums are left as checksum offload leaves them in
 * frames captured on an ESXi host (not computed), which tshark does not check by default.
 */

export interface Address {
  mac: readonly number[];
  /** 4 bytes for IPv4, 16 for IPv6. */
  ip: readonly number[];
}

export interface TemplateSpec {
  src: Address;
  dst: Address;
  /** Next-hop MAC when routed (the gateway's); defaults to dst.mac. */
  dstMac?: readonly number[];
  vlan: number | null;
  ttl: number;
  protocol: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
  /** TCP timestamps option (12 bytes); on by default, as ESXi sends it. */
  timestamps?: boolean;
}

/** TCP header with a timestamps option (NOP, NOP, TS): 32 bytes, as ESXi and Linux send. */
const TCP_HEADER_TS = 32;
const TCP_HEADER = 20;
const UDP_HEADER = 8;

export class PacketTemplate {
  readonly header: Uint8Array;
  readonly ipOff: number;
  readonly l4Off: number;
  readonly v6: boolean;
  readonly tcp: boolean;
  private readonly timestamps: boolean;
  private ipId = 0;

  constructor(spec: TemplateSpec) {
    this.v6 = spec.src.ip.length === 16;
    this.tcp = spec.protocol === 'tcp';
    this.timestamps = this.tcp && spec.timestamps !== false;
    const l2 = 14 + (spec.vlan === null ? 0 : 4);
    const l3 = this.v6 ? 40 : 20;
    const l4 = this.tcp ? (this.timestamps ? TCP_HEADER_TS : TCP_HEADER) : UDP_HEADER;
    const h = new Uint8Array(l2 + l3 + l4);
    h.set(spec.dstMac ?? spec.dst.mac, 0);
    h.set(spec.src.mac, 6);
    let o = 12;
    if (spec.vlan !== null) {
      h[12] = 0x81;
      h[13] = 0x00;
      h[14] = (spec.vlan >> 8) & 0x0f;
      h[15] = spec.vlan & 0xff;
      o = 16;
    }
    const ethertype = this.v6 ? 0x86dd : 0x0800;
    h[o] = ethertype >> 8;
    h[o + 1] = ethertype & 0xff;
    this.ipOff = l2;
    const proto = this.tcp ? 6 : 17;
    if (this.v6) {
      h[l2] = 0x60;
      h[l2 + 6] = proto;
      h[l2 + 7] = spec.ttl;
      h.set(spec.src.ip, l2 + 8);
      h.set(spec.dst.ip, l2 + 24);
    } else {
      h[l2] = 0x45;
      h[l2 + 6] = 0x40; // DF: ESXi relies on path MTU discovery
      h[l2 + 8] = spec.ttl;
      h[l2 + 9] = proto;
      h.set(spec.src.ip, l2 + 12);
      h.set(spec.dst.ip, l2 + 16);
    }
    this.l4Off = l2 + l3;
    const t = this.l4Off;
    h[t] = spec.srcPort >> 8;
    h[t + 1] = spec.srcPort & 0xff;
    h[t + 2] = spec.dstPort >> 8;
    h[t + 3] = spec.dstPort & 0xff;
    if (this.tcp) {
      h[t + 12] = (l4 / 4) << 4;
      h[t + 14] = 0xff; // window
      h[t + 15] = 0xff;
      if (this.timestamps) {
        h[t + 20] = 1; // NOP
        h[t + 21] = 1; // NOP
        h[t + 22] = 8; // timestamps
        h[t + 23] = 10;
      }
    }
    this.header = h;
  }

  /** Bytes of the frame for `payload` bytes of transport payload (no Ethernet padding below 60). */
  frameLength(payload: number): number {
    return Math.max(60, this.header.length + payload);
  }

  /**
   * Write one frame at out[off]; payload bytes come from `fill` (repeated). Returns the frame
   * length. `tsval` feeds the TCP timestamps option.
   */
  write(out: Uint8Array, off: number, payload: number, fill: Uint8Array, seq: number, ack: number, flags: number, tsval: number): number {
    const h = this.header;
    out.set(h, off);
    const ip = off + this.ipOff;
    const l4 = off + this.l4Off;
    const l4Len = h.length - this.l4Off + payload;
    if (this.v6) {
      out[ip + 4] = l4Len >> 8;
      out[ip + 5] = l4Len & 0xff;
    } else {
      const total = 20 + l4Len;
      out[ip + 2] = total >> 8;
      out[ip + 3] = total & 0xff;
      const id = (this.ipId = (this.ipId + 1) & 0xffff);
      out[ip + 4] = id >> 8;
      out[ip + 5] = id & 0xff;
      writeIpv4HeaderChecksum(out, ip);
    }
    if (this.tcp) {
      writeU32(out, l4 + 4, seq);
      writeU32(out, l4 + 8, ack);
      out[l4 + 13] = flags;
      if (this.timestamps) writeU32(out, l4 + 24, tsval);
    } else {
      out[l4 + 4] = l4Len >> 8;
      out[l4 + 5] = l4Len & 0xff;
    }
    let p = off + h.length;
    let left = payload;
    while (left > 0) {
      const n = Math.min(left, fill.length);
      out.set(n === fill.length ? fill : fill.subarray(0, n), p);
      p += n;
      left -= n;
    }
    const len = p - off;
    if (len < 60) {
      out.fill(0, p, off + 60); // Ethernet minimum frame, as a NIC pads it
      return 60;
    }
    return len;
  }
}

function writeU32(out: Uint8Array, off: number, v: number): void {
  out[off] = v >>> 24;
  out[off + 1] = (v >>> 16) & 0xff;
  out[off + 2] = (v >>> 8) & 0xff;
  out[off + 3] = v & 0xff;
}
