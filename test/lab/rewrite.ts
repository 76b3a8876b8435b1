/**
 * Capture variants made by rewriting the lab's real frames, because this kernel has no VLAN
 * sub-interfaces, VLAN-filtering bridges, tc mirred or GRE/ERSPAN devices to produce them live:
 *
 * - trunk view: the 802.1Q tag each frame would carry on an ESXi uplink, by originating vmk;
 * - pcapng: one interface description block per vmk, one of them with nanosecond timestamps;
 * - ERSPAN type II and III: each frame mirrored to a collector inside GRE, as a vDS
 *   "Encapsulated Remote Mirroring (L3) Source" session sends it.
 *
 * tshark decodes every variant in the lab test.
 */
import { ErspanEncapsulator } from '../../core/synth/erspan.js';

/** One captured frame and the lab interface it was captured on. */
export interface LabFrame {
  sec: number;
  nsec: number;
  iface: string;
  data: Uint8Array;
  origLen: number;
}

const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 262144;

/** Classic pcap, little-endian, µs (a1b2c3d4) or ns (a1b23c4d) timestamps. */
export function writePcap(frames: readonly LabFrame[], options: { nano: boolean }): Buffer {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(options.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(SNAPLEN, 16);
  out.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  let o = 24;
  for (const f of frames) {
    out.writeUInt32LE(f.sec, o);
    out.writeUInt32LE(options.nano ? f.nsec : Math.floor(f.nsec / 1000), o + 4);
    out.writeUInt32LE(f.data.length, o + 8);
    out.writeUInt32LE(f.origLen, o + 12);
    out.set(f.data, o + 16);
    o += 16 + f.data.length;
  }
  return out;
}

export interface PcapngInterface {
  name: string;
  /** Timestamp resolution: 6 (µs, the pcapng default) or 9 (ns). */
  digits: 6 | 9;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function block(type: number, body: Buffer): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

/**
 * pcapng, one section, little-endian: an IDB per entry of `interfaces` (if_name, and
 * if_tsresol when not µs), then an Enhanced Packet Block per frame on the IDB named by its
 * `iface`. Timestamps are truncated to the interface's resolution, as a capturing tool would.
 */
export function writePcapng(frames: readonly LabFrame[], interfaces: readonly PcapngInterface[]): Buffer {
  const parts: Buffer[] = [];
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeInt32LE(-1, 8); // section length unknown
  shb.writeInt32LE(-1, 12);
  parts.push(block(0x0a0d0d0a, shb));
  const index = new Map<string, { id: number; digits: 6 | 9 }>();
  interfaces.forEach((i, id) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(LINKTYPE_ETHERNET, 0);
    head.writeUInt32LE(SNAPLEN, 4);
    const opts = [option(2, Buffer.from(i.name, 'utf8'))];
    if (i.digits !== 6) opts.push(option(9, Buffer.from([i.digits])));
    opts.push(Buffer.alloc(4)); // opt_endofopt
    parts.push(block(1, Buffer.concat([head, ...opts])));
    index.set(i.name, { id, digits: i.digits });
  });
  for (const f of frames) {
    const i = index.get(f.iface);
    if (i === undefined) throw new Error(`frame on ${f.iface}, which has no IDB`);
    // Units since the epoch exceed 2^53 at ns resolution: BigInt keeps them exact.
    const units = i.digits === 9 ? BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec) : BigInt(f.sec) * 1_000_000n + BigInt(Math.floor(f.nsec / 1000));
    const body = Buffer.alloc(20 + pad4(f.data.length));
    body.writeUInt32LE(i.id, 0);
    body.writeUInt32LE(Number(units >> 32n), 4);
    body.writeUInt32LE(Number(units & 0xffffffffn), 8);
    body.writeUInt32LE(f.data.length, 12);
    body.writeUInt32LE(f.origLen, 16);
    body.set(f.data, 20);
    parts.push(block(6, body));
  }
  return Buffer.concat(parts);
}

/**
 * The trunk view: an 802.1Q tag after the MAC addresses, VLAN by originating interface, as the
 * frame leaves the ESXi host on a trunked uplink (port group VLAN set, VST). Frames from an
 * interface without a VLAN stay untagged.
 */
export function tagVlans(frames: readonly LabFrame[], vlanOf: (iface: string) => number | null): LabFrame[] {
  return frames.map((f) => {
    const vlan = vlanOf(f.iface);
    if (vlan === null) return f;
    const d = new Uint8Array(f.data.length + 4);
    d.set(f.data.subarray(0, 12), 0);
    d[12] = 0x81;
    d[13] = 0x00;
    d[14] = (vlan >> 8) & 0x0f; // PCP 0, DEI 0
    d[15] = vlan & 0xff;
    d.set(f.data.subarray(12), 16);
    return { ...f, data: d, origLen: f.origLen + 4 };
  });
}

export interface ErspanOptions {
  version: 2 | 3;
  /** ERSPAN session id (10 bits). */
  session: number;
  /** The mirroring host's address (its management vmk) and the collector's. */
  srcMac: string;
  srcIp: string;
  dstMac: string;
  dstIp: string;
}

function mac(s: string): number[] {
  return s.split(':').map((h) => parseInt(h, 16));
}

function ipv4(s: string): number[] {
  return s.split('.').map(Number);
}

/**
 * Wrap every frame as an ERSPAN copy (core/synth/erspan.ts, the generator's encapsulation; tshark
 * checks the result in the lab test): outer Ethernet + IPv4 + GRE with the sequence bit + the
 * ERSPAN header + the mirrored frame, whose VLAN also goes into the ERSPAN header.
 */
export function wrapErspan(frames: readonly LabFrame[], o: ErspanOptions): LabFrame[] {
  const encapsulator = new ErspanEncapsulator({ type: o.version, session: o.session, srcMac: mac(o.srcMac), srcIp: ipv4(o.srcIp), dstMac: mac(o.dstMac), dstIp: ipv4(o.dstIp) });
  const overhead = encapsulator.overhead;
  return frames.map((f) => {
    const d = new Uint8Array(overhead + f.data.length);
    d.set(f.data, overhead);
    // Type III timestamp: 100 ns units since the epoch, low 32 bits (exact with BigInt).
    const ticks = Number((BigInt(f.sec) * 10_000_000n + BigInt(Math.floor(f.nsec / 100))) & 0xffffffffn);
    encapsulator.wrap(d, 0, f.data.length, ticks);
    return { ...f, data: d, origLen: overhead + f.origLen };
  });
}
