import { decodeEthernet } from './ethernet.js';
import { decodeIPv4 } from './ip.js';
import { ETHERTYPE_DECODERS, GRE_PAYLOAD_DECODERS } from './dispatch.js';
import { ENCAP_ERSPAN1, ENCAP_ERSPAN2, ENCAP_ERSPAN3, ENCAP_GRE, type DecodedPacket } from './packet.js';

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
const GRE_ACK = 0x0080; // enhanced GRE (version 1, PPTP)

/** RFC 2784 / RFC 2890 GRE (and the version-1 variant PPTP uses). */
export function decodeGre(p: DecodedPacket, buf: Uint8Array, off: number): void {
  const t = p.trace;
  if (t !== null) t.layer('gre');
  if (p.end - off < 4 || !p.enter()) return;
  const flags = p.dv.getUint16(off);
  const proto = p.dv.getUint16(off + 2);
  if (t !== null) t.field('gre.proto', `0x${proto.toString(16).padStart(4, '0')}`);
  let len = 4;
  if ((flags & (GRE_CHECKSUM | GRE_ROUTING)) !== 0) len += 4;
  let key = -1;
  if ((flags & GRE_KEY) !== 0) {
    if (p.end - off >= len + 4) key = p.dv.getUint32(off + len);
    len += 4;
  }
  if ((flags & GRE_SEQUENCE) !== 0) len += 4;
  if ((flags & 7) === 1 && (flags & GRE_ACK) !== 0) len += 4;
  // Source routing entries (RFC 1701) are obsolete; a header with them is not followed.
  if ((flags & GRE_ROUTING) !== 0 || off + len > p.end) return;
  p.greFlags = flags;
  p.greKey = key;
  const special = GRE_PAYLOAD_DECODERS.get(proto);
  if (special !== undefined) {
    special(p, buf, off + len);
    return;
  }
  // A GRE tunnel of IP (or anything else with an EtherType): the inner packet is the flow's,
  // the frame bytes stay those of the whole frame, as tshark counts them.
  saveOuter(p);
  p.encap = ENCAP_GRE;
  p.encapSession = key;
  ETHERTYPE_DECODERS[proto](p, buf, off + len);
}

function saveOuter(p: DecodedPacket): void {
  p.outerIpVersion = p.ipVersion;
  p.outerIpOff = p.ipOff;
  p.outerMacOff = p.macOff;
}

/**
 * Enter a mirrored frame: it, not the mirror transport, is what the flow counts. The outer
 * VLAN tags belong to the transport and are dropped.
 */
function enterMirror(p: DecodedPacket, buf: Uint8Array, kind: number, session: number, innerOff: number): void {
  saveOuter(p);
  p.encap = kind;
  p.encapSession = session;
  p.vlanCount = 0;
  if (p.moreFragments) {
    p.innerLenFromIp = true;
    p.innerL2Off = innerOff;
  } else {
    // A record whose original length is under its captured length (a bogus header) would give
    // the inner frame a negative length: a frame is never shorter than what was captured of it.
    p.wireLen = Math.max(p.origLen - (innerOff - p.frameOff), p.end - innerOff);
  }
  p.ipVersion = 0;
  p.ipOff = -1;
  p.ttl = -1;
  p.ipProto = -1;
  p.moreFragments = false;
  p.fragOffset = 0;
  p.ipPayloadLen = -1;
  decodeEthernet(p, buf, innerOff);
}

/**
 * GRE 0x88BE: ERSPAN type II when the GRE sequence bit is set (8-byte ERSPAN header), else
 * type I (no ERSPAN header at all), as tshark 4.0 decides.
 */
export function decodeErspanI_II(p: DecodedPacket, buf: Uint8Array, off: number): void {
  const t = p.trace;
  if (t !== null) t.layer('erspan');
  if ((p.greFlags & GRE_SEQUENCE) === 0) {
    enterMirror(p, buf, ENCAP_ERSPAN1, -1, off);
    return;
  }
  if (p.end - off < 8) return;
  const session = p.dv.getUint16(off + 2) & 0x03ff;
  if (t !== null) t.field('erspan.spanid', String(session));
  const vlan = p.dv.getUint16(off) & 0x0fff;
  enterMirror(p, buf, ENCAP_ERSPAN2, session, off + 8);
  if (vlan !== 0) p.encapVlan = vlan;
}

/** GRE 0x22EB: ERSPAN type III, 12-byte header plus an 8-byte platform sub-header when O is set. */
export function decodeErspanIII(p: DecodedPacket, buf: Uint8Array, off: number): void {
  const t = p.trace;
  if (t !== null) t.layer('erspan');
  if (p.end - off < 12) return;
  const session = p.dv.getUint16(off + 2) & 0x03ff;
  if (t !== null) t.field('erspan.spanid', String(session));
  const frameType = (buf[off + 10] >> 2) & 0x1f;
  const optional = (buf[off + 11] & 1) !== 0;
  // Frame type 0 is Ethernet; other types (IP, 802.11...) are not decoded (tshark shows data).
  if (frameType !== 0) return;
  const vlan = p.dv.getUint16(off) & 0x0fff;
  enterMirror(p, buf, ENCAP_ERSPAN3, session, off + 12 + (optional ? 8 : 0));
  if (vlan !== 0) p.encapVlan = vlan;
}

/** GRE 0x6558, transparent Ethernet bridging: a mirrored frame, session = GRE key when present. */
export function decodeBridgedEthernet(p: DecodedPacket, buf: Uint8Array, off: number): void {
  enterMirror(p, buf, ENCAP_GRE, p.greKey, off);
}

/** GRE 0x883E: a WCCP redirect header (4 bytes) in front of the redirected IPv4 packet (tshark decodes it so). */
export function decodeWccpRedirect(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.end - off < 4) return;
  saveOuter(p);
  p.encap = ENCAP_GRE;
  p.encapSession = p.greKey;
  decodeIPv4(p, buf, off + 4);
}
