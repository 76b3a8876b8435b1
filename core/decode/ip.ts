import { ipv4At, ipv6At } from '../net/address.js';
import { IPPROTO_DECODERS } from './dispatch.js';
import type { DecodedPacket } from './packet.js';

/**
 * When a mirrored frame travels in an outer IPv4 datagram that was fragmented, only the first
 * fragment holds the inner headers; the inner frame's length then comes from its IP header.
 */
function innerFrameFromIp(p: DecodedPacket, off: number, ipBytes: number): void {
  p.wireLen = off - p.innerL2Off + ipBytes;
  p.innerLenFromIp = false;
}

export function decodeIPv4(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.end - off < 1) return;
  const vhl = buf[off];
  // tshark's ip dissector hands version-6 packets to ipv6 (e.g. LINKTYPE_IPV4 files holding IPv6).
  if (vhl >> 4 === 6) {
    decodeIPv6(p, buf, off);
    return;
  }
  const t = p.trace;
  if (t !== null) t.layer('ip');
  const ihl = (vhl & 15) * 4;
  if (vhl >> 4 !== 4 || ihl < 20 || p.end - off < 20 || !p.enter()) return;
  const total = p.dv.getUint16(off + 2);
  const proto = buf[off + 9];
  if (t !== null) {
    t.field('ip.src', ipv4At(buf, off + 12));
    t.field('ip.dst', ipv4At(buf, off + 16));
    t.field('ip.ttl', String(buf[off + 8]));
    t.field('ip.proto', String(proto));
  }
  p.ipVersion = 4;
  p.ipOff = off;
  p.srcAddrOff = off + 12;
  p.dstAddrOff = off + 16;
  p.ttl = buf[off + 8];
  p.ipProto = proto;
  p.ipId = p.dv.getUint16(off + 4);
  const frag = p.dv.getUint16(off + 6);
  p.moreFragments = (frag & 0x2000) !== 0;
  p.fragOffset = (frag & 0x1fff) * 8;
  if (total >= ihl) {
    if (off + total < p.end) p.end = off + total;
    p.ipPayloadLen = total - ihl;
    if (p.innerLenFromIp) innerFrameFromIp(p, off, total);
  } else {
    // Total length 0 is what segmentation offload leaves in frames captured before the NIC
    // (pktcap-uw at vmk points): the frame itself is the datagram.
    p.ipPayloadLen = Math.max(0, p.frameOff + p.origLen - off - ihl);
  }
  if (p.fragOffset > 0 || off + ihl > p.end) return;
  IPPROTO_DECODERS[proto](p, buf, off + ihl);
}

export function decodeIPv6(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.end - off < 40 || buf[off] >> 4 !== 6 || !p.enter()) return;
  const t = p.trace;
  const next = buf[off + 6];
  if (t !== null) {
    t.layer('ipv6');
    t.field('ipv6.src', ipv6At(buf, off + 8));
    t.field('ipv6.dst', ipv6At(buf, off + 24));
  }
  p.ipVersion = 6;
  p.ipOff = off;
  p.srcAddrOff = off + 8;
  p.dstAddrOff = off + 24;
  p.ttl = buf[off + 7];
  p.ipProto = next;
  p.ipId = 0;
  p.fragOffset = 0;
  p.moreFragments = false;
  const payload = p.dv.getUint16(off + 4);
  if (payload > 0) {
    if (off + 40 + payload < p.end) p.end = off + 40 + payload;
    p.ipPayloadLen = payload;
    if (p.innerLenFromIp) innerFrameFromIp(p, off, 40 + payload);
  } else {
    // Payload length 0: a Jumbo Payload option (RFC 2675, Linux BIG TCP) or offload; the
    // frame's own length is the datagram's.
    p.ipPayloadLen = Math.max(0, p.frameOff + p.origLen - off - 40);
  }
  IPPROTO_DECODERS[next](p, buf, off + 40);
}

/** Continue after an IPv6 extension header of `len` bytes whose next-header byte is at `off`. */
function nextAfterExtension(p: DecodedPacket, buf: Uint8Array, off: number, len: number): void {
  if (off + len > p.end || !p.enter()) return;
  const next = buf[off];
  p.ipProto = next;
  if (p.ipPayloadLen >= 0) p.ipPayloadLen = Math.max(0, p.ipPayloadLen - len);
  IPPROTO_DECODERS[next](p, buf, off + len);
}

/** Hop-by-Hop (0) and Destination Options (60): (hdr ext len + 1) * 8 bytes. */
export function decodeIPv6Options(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer(p.ipProto === 0 ? 'ipv6.hopopts' : 'ipv6.dstopts');
  if (p.end - off < 2) return;
  nextAfterExtension(p, buf, off, (buf[off + 1] + 1) * 8);
}

const RH_SOURCE_ROUTE = 0;
const RH_MOBILE_IPV6 = 2;
const RH_SEGMENT_ROUTING = 4;

/**
 * Routing header. While segments are left, the packet's real destination is not the header's:
 * type 0 lists it last, type 2 (Mobile IPv6) carries the home address, segment routing lists
 * it first. The flow takes that final destination, as Wireshark's conversations do.
 */
export function decodeIPv6Routing(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('ipv6.routing');
  if (p.end - off < 4) return;
  const len = (buf[off + 1] + 1) * 8;
  const type = buf[off + 2];
  const segmentsLeft = buf[off + 3];
  const addresses = (len - 8) >> 4;
  if (segmentsLeft > 0 && addresses > 0 && off + len <= p.end) {
    if (type === RH_SOURCE_ROUTE) p.dstAddrOff = off + 8 + 16 * (addresses - 1);
    else if (type === RH_MOBILE_IPV6 || type === RH_SEGMENT_ROUTING) p.dstAddrOff = off + 8;
  }
  nextAfterExtension(p, buf, off, len);
}

export function decodeIPv6Fragment(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('ipv6.fraghdr');
  if (p.end - off < 8) return;
  const fo = p.dv.getUint16(off + 2);
  p.fragOffset = fo & 0xfff8;
  p.moreFragments = (fo & 1) !== 0;
  p.ipId = p.dv.getUint32(off + 4);
  if (p.fragOffset > 0) {
    if (p.ipPayloadLen >= 0) p.ipPayloadLen = Math.max(0, p.ipPayloadLen - 8);
    return;
  }
  nextAfterExtension(p, buf, off, 8);
}

/** IPsec AH (RFC 4302): the protected transport header follows in clear. */
export function decodeAuthHeader(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('ah');
  if (p.end - off < 2) return;
  nextAfterExtension(p, buf, off, (buf[off + 1] + 2) * 4);
}
