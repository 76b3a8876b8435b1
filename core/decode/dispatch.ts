/**
 * Dispatch is data (as in Wireshark's epan and Zeek's packet analysis): a decoder finds the
 * next layer by looking its number up in a table. Adding a protocol is one entry here.
 */
import { decodeArp, decodeEthernet, decodeRarp, decodeVlanTag, decodeQinQServiceTag } from './ethernet.js';
import { decodeAuthHeader, decodeIPv4, decodeIPv6, decodeIPv6Fragment, decodeIPv6Options, decodeIPv6Routing } from './ip.js';
import { decodeCooked, decodeCooked2, decodeLoop, decodeNull, decodeRawIp } from './link.js';
import type { LayerDecoder } from './packet.js';
import { decodeTcp, decodeUdp } from './transport.js';
import { decodeBridgedEthernet, decodeErspanI_II, decodeErspanIII, decodeGre, decodeWccpRedirect } from './tunnel.js';

/** A layer we do not decode: the packet ends there for us (tshark would show `data` or its own dissector). */
const notDecoded: LayerDecoder = () => {};

/** EtherType (and GRE protocol type, which shares the EtherType space) -> decoder. */
export const ETHERTYPE_DECODERS: LayerDecoder[] = new Array<LayerDecoder>(0x10000).fill(notDecoded);
ETHERTYPE_DECODERS[0x0800] = decodeIPv4;
ETHERTYPE_DECODERS[0x86dd] = decodeIPv6;
ETHERTYPE_DECODERS[0x0806] = decodeArp;
ETHERTYPE_DECODERS[0x8035] = decodeRarp;
ETHERTYPE_DECODERS[0x8100] = decodeVlanTag;
ETHERTYPE_DECODERS[0x9100] = decodeVlanTag; // pre-standard QinQ outer tag
ETHERTYPE_DECODERS[0x88a8] = decodeQinQServiceTag;

/** GRE protocol types with a payload of their own; others fall back to the EtherType table. */
export const GRE_PAYLOAD_DECODERS = new Map<number, LayerDecoder>([
  [0x88be, decodeErspanI_II], // ERSPAN type I (no GRE sequence) or II
  [0x22eb, decodeErspanIII],
  [0x6558, decodeBridgedEthernet], // transparent Ethernet bridging: a plain GRE mirror
  [0x883e, decodeWccpRedirect], // Cisco WCCP redirect: 4-byte header, then the redirected IPv4 packet
]);

/** IP protocol / IPv6 next-header -> decoder. */
export const IPPROTO_DECODERS: LayerDecoder[] = new Array<LayerDecoder>(256).fill(notDecoded);
IPPROTO_DECODERS[0] = decodeIPv6Options; // Hop-by-Hop
IPPROTO_DECODERS[4] = decodeIPv4; // IPv4 in IP
IPPROTO_DECODERS[6] = decodeTcp;
IPPROTO_DECODERS[17] = decodeUdp;
IPPROTO_DECODERS[41] = decodeIPv6; // IPv6 in IP (6in4)
IPPROTO_DECODERS[43] = decodeIPv6Routing;
IPPROTO_DECODERS[44] = decodeIPv6Fragment;
IPPROTO_DECODERS[47] = decodeGre;
IPPROTO_DECODERS[51] = decodeAuthHeader;
IPPROTO_DECODERS[60] = decodeIPv6Options; // Destination Options

/** LINKTYPE_* -> decoder of the frame's first byte. */
export const LINKTYPE_DECODERS = new Map<number, LayerDecoder>([
  [0, decodeNull],
  [1, decodeEthernet],
  [101, decodeRawIp],
  [108, decodeLoop],
  [113, decodeCooked],
  [228, decodeIPv4], // LINKTYPE_IPV4: hands IPv6 content on, as tshark's ip dissector does
  [229, decodeIPv6],
  [276, decodeCooked2],
]);

export const LINKTYPE_NAMES = new Map<number, string>([
  [0, 'NULL'],
  [1, 'EN10MB'],
  [101, 'RAW'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [276, 'LINUX_SLL2'],
]);

export function linkDecoder(linkType: number): LayerDecoder | null {
  return LINKTYPE_DECODERS.get(linkType) ?? null;
}
