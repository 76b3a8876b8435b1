import { ETHERTYPE_DECODERS, GRE_PAYLOAD_DECODERS } from './dispatch.js';
import { decodeIPv4, decodeIPv6 } from './ip.js';
import type { DecodedPacket } from './packet.js';

const ARPHRD_IPGRE = 778;
const ARPHRD_NETLINK = 824;

/** The protocol field of a cooked header, interpreted by the device type (libpcap sll.h). */
function cookedPayload(p: DecodedPacket, buf: Uint8Array, off: number, hatype: number, protocol: number): void {
  if (hatype === ARPHRD_NETLINK) return;
  if (hatype === ARPHRD_IPGRE) {
    const gre = GRE_PAYLOAD_DECODERS.get(protocol);
    if (gre !== undefined) gre(p, buf, off);
    else ETHERTYPE_DECODERS[protocol](p, buf, off);
    return;
  }
  ETHERTYPE_DECODERS[protocol](p, buf, off);
}

/** LINKTYPE_LINUX_SLL (113): 16-byte "cooked" header. */
export function decodeCooked(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('sll');
  if (p.end - off < 16) return;
  const hatype = p.dv.getUint16(off + 2);
  if (p.dv.getUint16(off + 4) === 6) p.sllAddrOff = off + 6;
  cookedPayload(p, buf, off + 16, hatype, p.dv.getUint16(off + 14));
}

/** LINKTYPE_LINUX_SLL2 (276): 20-byte header, protocol first. */
export function decodeCooked2(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('sll');
  if (p.end - off < 20) return;
  if (buf[off + 11] === 6) p.sllAddrOff = off + 12;
  cookedPayload(p, buf, off + 20, p.dv.getUint16(off + 8), p.dv.getUint16(off));
}

/** BSD address families seen in NULL/LOOP headers: 2 = IPv4; 10 (Linux), 24, 28, 30 = IPv6. */
function familyPayload(p: DecodedPacket, buf: Uint8Array, off: number, family: number): void {
  if (family === 2) decodeIPv4(p, buf, off);
  else if (family === 10 || family === 24 || family === 28 || family === 30) decodeIPv6(p, buf, off);
}

/** LINKTYPE_NULL (0): a 4-byte address family in the byte order of the capturing host. */
export function decodeNull(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('null');
  if (p.end - off < 4) return;
  let family = p.dv.getUint32(off);
  // Written in host order: a small number read big-endian has its upper half clear.
  if ((family & 0xffff0000) !== 0) family = buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24);
  familyPayload(p, buf, off + 4, family >>> 0);
}

/** LINKTYPE_LOOP (108): like NULL, but the family is always big-endian. */
export function decodeLoop(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('null');
  if (p.end - off < 4) return;
  familyPayload(p, buf, off + 4, p.dv.getUint32(off));
}

/** LINKTYPE_RAW (101): an IP packet; the version nibble tells which. */
export function decodeRawIp(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.trace !== null) p.trace.layer('raw');
  if (p.end - off < 1) return;
  const version = buf[off] >> 4;
  if (version === 4) decodeIPv4(p, buf, off);
  else if (version === 6) decodeIPv6(p, buf, off);
}

