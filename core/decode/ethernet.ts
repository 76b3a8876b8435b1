import { macAt } from '../net/address.js';
import { ETHERTYPE_DECODERS } from './dispatch.js';
import { MAX_VLAN_TAGS, type DecodedPacket } from './packet.js';

export function decodeEthernet(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (p.end - off < 14 || !p.enter()) return;
  p.macOff = off;
  const t = p.trace;
  if (t !== null) {
    t.layer('eth');
    t.field('eth.dst', macAt(buf, off));
    t.field('eth.src', macAt(buf, off + 6));
    t.layer('ethertype');
  }
  ETHERTYPE_DECODERS[p.dv.getUint16(off + 12)](p, buf, off + 14);
}

function pushTag(p: DecodedPacket, off: number, layer: string, field: string): boolean {
  if (p.end - off < 4 || !p.enter()) return false;
  const id = p.dv.getUint16(off) & 0x0fff;
  if (p.vlanCount < MAX_VLAN_TAGS) p.vlans[p.vlanCount++] = id;
  const t = p.trace;
  if (t !== null) {
    t.layer(layer);
    t.field(field, String(id));
    t.layer('ethertype');
  }
  return true;
}

/** 802.1Q (0x8100) and 0x9100 tags. */
export function decodeVlanTag(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (pushTag(p, off, 'vlan', 'vlan.id')) ETHERTYPE_DECODERS[p.dv.getUint16(off + 2)](p, buf, off + 4);
}

/** 802.1ad S-tag (0x88a8): tshark reports it as ieee8021ad.id, not vlan.id. */
export function decodeQinQServiceTag(p: DecodedPacket, buf: Uint8Array, off: number): void {
  if (pushTag(p, off, 'ieee8021ad', 'ieee8021ad.id')) ETHERTYPE_DECODERS[p.dv.getUint16(off + 2)](p, buf, off + 4);
}

/** ARP for Ethernet/IPv4 (hardware type 1, protocol 0x0800): 28 bytes. */
export function decodeArp(p: DecodedPacket, buf: Uint8Array, off: number): void {
  readArp(p, buf, off, 0x0806, 'arp');
}

/** RARP: after a vMotion switch-over the destination host announces the VM's MAC with it. */
export function decodeRarp(p: DecodedPacket, buf: Uint8Array, off: number): void {
  readArp(p, buf, off, 0x8035, 'rarp');
}

function readArp(p: DecodedPacket, buf: Uint8Array, off: number, etherType: number, layer: string): void {
  if (p.trace !== null) p.trace.layer(layer);
  if (p.end - off < 28) return;
  if (p.dv.getUint16(off) !== 1 || p.dv.getUint16(off + 2) !== 0x0800 || buf[off + 4] !== 6 || buf[off + 5] !== 4) return;
  p.arpOff = off;
  p.arpEtherType = etherType;
}
