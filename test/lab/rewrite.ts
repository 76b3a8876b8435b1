/**
 * Capture variants made by rewriting the lab's real frames, because this kernel has no VLAN
 * sub-interfaces, VLAN-filtering bridges, tc mirred or GRE/ERSPAN devices to produce them live:
 *
 * - trunk view: the 802.1Q tag each frame would carry on an ESXi uplink, by originating vmk;
 * - pcapng: one interface description block per vmk, one of them with nanosecond timestamps;
 * - ERSPAN type II and III: each frame mirrored to a collector inside GRE, as a vDS
 *   "Encapsulated Remote Mirroring (L3) Source" session sends it.
 *
 * Written independently of core/synth (the generator) so that the two do not share a mistake;
 * tshark decodes every variant in the lab test.
 */

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

/** VLAN id of an 802.1Q-tagged Ethernet frame, or null. */
function vlanOfFrame(d: Uint8Array): number | null {
  return d[12] === 0x81 && d[13] === 0x00 ? ((d[14] & 0x0f) << 8) | d[15] : null;
}

/**
 * Wrap every frame as an ERSPAN copy: outer Ethernet + IPv4 (protocol 47) + GRE with the
 * sequence bit (ERSPAN II and III always carry it) + the ERSPAN header + the mirrored frame.
 * The mirrored frame's 802.1Q tag stays in the frame and its VLAN is also written into the
 * ERSPAN header (type II "En" = 3: tag preserved in the frame).
 */
export function wrapErspan(frames: readonly LabFrame[], o: ErspanOptions): LabFrame[] {
  const erspanLen = o.version === 2 ? 8 : 12;
  const outerLen = 14 + 20 + 8 + erspanLen;
  let seq = 0;
  let ipId = 0;
  return frames.map((f) => {
    const d = new Uint8Array(outerLen + f.data.length);
    d.set(mac(o.dstMac), 0);
    d.set(mac(o.srcMac), 6);
    d[12] = 0x08;
    d[13] = 0x00;
    const ip = 14;
    const total = outerLen - 14 + f.data.length;
    d[ip] = 0x45;
    d[ip + 2] = total >> 8;
    d[ip + 3] = total & 0xff;
    ipId = (ipId + 1) & 0xffff;
    d[ip + 4] = ipId >> 8;
    d[ip + 5] = ipId & 0xff;
    d[ip + 8] = 64;
    d[ip + 9] = 47; // GRE
    d.set(ipv4(o.srcIp), ip + 12);
    d.set(ipv4(o.dstIp), ip + 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (d[ip + i] << 8) | d[ip + i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const ck = ~sum & 0xffff;
    d[ip + 10] = ck >> 8;
    d[ip + 11] = ck & 0xff;
    const gre = ip + 20;
    d[gre] = 0x10; // S: sequence number present
    const proto = o.version === 2 ? 0x88be : 0x22eb;
    d[gre + 2] = proto >> 8;
    d[gre + 3] = proto & 0xff;
    seq = (seq + 1) >>> 0;
    d[gre + 4] = seq >>> 24;
    d[gre + 5] = (seq >>> 16) & 0xff;
    d[gre + 6] = (seq >>> 8) & 0xff;
    d[gre + 7] = seq & 0xff;
    const e = gre + 8;
    const vlan = vlanOfFrame(f.data);
    d[e] = ((o.version === 2 ? 1 : 2) << 4) | ((vlan ?? 0) >> 8);
    d[e + 1] = (vlan ?? 0) & 0xff;
    // COS 0; type II: En (bits 4-3) = 3 "VLAN tag preserved" for tagged frames, 0 untagged;
    // type III: BSO 0. T = 0. Session id in the low 10 bits.
    const en = o.version === 2 && vlan !== null ? 3 : 0;
    d[e + 2] = (en << 3) | ((o.session >> 8) & 0x03);
    d[e + 3] = o.session & 0xff;
    if (o.version === 3) {
      // Gra = 01: timestamp in units of 100 ns (the lab's clock is ns), low 32 bits.
      const units = (BigInt(f.sec) * 10_000_000n + BigInt(Math.floor(f.nsec / 100))) & 0xffffffffn;
      const ts = Number(units);
      d[e + 4] = ts >>> 24;
      d[e + 5] = (ts >>> 16) & 0xff;
      d[e + 6] = (ts >>> 8) & 0xff;
      d[e + 7] = ts & 0xff;
      // SGT 0, P 0, FT 0 (Ethernet frame), HW id 0, D 0 (ingress), Gra 01, O 0.
      d[e + 11] = 0x01 << 1;
    }
    // Type II's last 4 bytes (reserved, port index) stay 0.
    d.set(f.data, outerLen);
    return { ...f, data: d, origLen: outerLen + f.origLen };
  });
}
