import { IPPROTO_TCP, IPPROTO_UDP, type DecodedPacket } from './packet.js';

/** Ports need 4 captured bytes; flags and sequence numbers 14; a sliced header still counts. */
export function decodeTcp(p: DecodedPacket, buf: Uint8Array, off: number): void {
  const t = p.trace;
  if (t !== null) t.layer('tcp');
  const avail = p.end - off;
  if (avail < 4) return;
  p.l4 = IPPROTO_TCP;
  p.srcPort = p.dv.getUint16(off);
  p.dstPort = p.dv.getUint16(off + 2);
  if (t !== null) {
    t.field('tcp.srcport', String(p.srcPort));
    t.field('tcp.dstport', String(p.dstPort));
  }
  let headerLen = 20;
  if (avail >= 14) {
    p.seq = p.dv.getUint32(off + 4);
    p.ack = p.dv.getUint32(off + 8);
    headerLen = (buf[off + 12] >> 4) * 4;
    p.tcpFlags = buf[off + 13];
    p.tcpHeaderOk = headerLen >= 20;
    if (headerLen < 20) headerLen = 20;
  }
  p.l4HeaderCut = avail < headerLen;
  p.payloadLen = p.ipPayloadLen >= 0 ? Math.max(0, p.ipPayloadLen - headerLen) : -1;
}

export function decodeUdp(p: DecodedPacket, _buf: Uint8Array, off: number): void {
  const t = p.trace;
  if (t !== null) t.layer('udp');
  if (p.end - off < 4) return;
  p.l4 = IPPROTO_UDP;
  p.srcPort = p.dv.getUint16(off);
  p.dstPort = p.dv.getUint16(off + 2);
  if (t !== null) {
    t.field('udp.srcport', String(p.srcPort));
    t.field('udp.dstport', String(p.dstPort));
  }
  p.payloadLen = p.ipPayloadLen >= 0 ? Math.max(0, p.ipPayloadLen - 8) : -1;
  p.l4HeaderCut = p.end - off < 8;
}
