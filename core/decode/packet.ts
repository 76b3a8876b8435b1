/**
 * One decoded frame. A single instance is reused for every packet: decoders write numbers and
 * byte offsets into it (never strings or sub-arrays), so the hot loop allocates nothing.
 * Offsets point into `buf`, which is only valid until the next frame.
 */

export const ENCAP_NONE = 0;
export const ENCAP_ERSPAN1 = 1;
export const ENCAP_ERSPAN2 = 2;
export const ENCAP_ERSPAN3 = 3;
export const ENCAP_GRE = 4;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export const MAX_VLAN_TAGS = 8;

/**
 * Headers a frame may nest (VLAN tags, IP in IP, GRE, mirrored frames, IPv6 extension headers)
 * before decoding stops. Real frames nest about 15 (a tagged ERSPAN copy of a tagged frame with
 * extension headers) and libpcap's test capture ipv6_ext_headers.pcap chains 101 extension headers,
 * which tshark decodes to the UDP inside; a hostile frame can nest 32 000 of them in 256 KiB, and
 * decoders call each other, so without a limit the stack overflows.
 */
export const MAX_NESTED_HEADERS = 256;

/**
 * Receives every layer and field as tshark names them. Only conformance tests and the packet
 * inspector set one; the hot path leaves `DecodedPacket.trace` null.
 */
export interface LayerTrace {
  layer(name: string): void;
  field(name: string, value: string): void;
}

export class DecodedPacket {
  buf: Uint8Array = new Uint8Array(0);
  /** A DataView over `buf`: one load per 16/32-bit big-endian field. */
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** Start of the frame (the link-layer header) in `buf`. */
  frameOff = 0;
  /** End of the bytes decoders may read: captured end, narrowed to the IP datagram's end. */
  end = 0;
  /** Original (wire) length of the captured frame: pcap orig_len, Wireshark frame.len. */
  origLen = 0;
  /**
   * Frame bytes charged to the flow: `origLen`, or for a mirrored copy (ERSPAN, GRE-bridged)
   * the inner frame's length, so a mirrored packet counts as the packet that was mirrored.
   */
  wireLen = 0;

  /** Offset of the destination MAC of the monitored (innermost) Ethernet header, or -1. */
  macOff = -1;
  /** Link-layer source address from a cooked (SLL/SLL2) header, or -1. */
  sllAddrOff = -1;
  /** 802.1Q/802.1ad/0x9100 tag ids of the monitored frame, outermost first. */
  readonly vlans = new Int32Array(MAX_VLAN_TAGS);
  vlanCount = 0;

  /** Innermost IP header carrying the transport header. */
  ipVersion = 0;
  ipOff = -1;
  /**
   * Where the flow's source and destination addresses are: the IP header's, except that an
   * IPv6 routing header with segments left names the final destination (as Wireshark's
   * conversations do).
   */
  srcAddrOff = -1;
  dstAddrOff = -1;
  ttl = -1;
  ipProto = -1;
  ipId = 0;
  fragOffset = 0;
  moreFragments = false;
  /** IP payload length from the header(s), -1 if unknown. */
  ipPayloadLen = -1;

  /** Transport: IPPROTO_TCP or IPPROTO_UDP once ports were read, else 0. */
  l4 = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP header fields are valid only when `tcpHeaderOk`. */
  tcpHeaderOk = false;
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  /** Transport payload bytes as implied by the IP length (not the captured length), or -1. */
  payloadLen = -1;
  /** The snaplen cut the transport header itself (tshark's Conversations then skip the frame). */
  l4HeaderCut = false;

  /** Encapsulation of a mirrored copy or tunnel (ENCAP_*), with the outer IP header. */
  encap = ENCAP_NONE;
  encapSession = -1;
  /** VLAN carried in the ERSPAN header (the mirrored frame's original VLAN), or -1. */
  encapVlan = -1;
  outerIpVersion = 0;
  outerIpOff = -1;
  outerMacOff = -1;
  /** Flags and key of the GRE header just decoded: ERSPAN I and II differ only by the sequence bit. */
  greFlags = 0;
  greKey = -1;
  /** Set while an outer IPv4 fragment is decoded: the inner length must come from the inner IP header. */
  innerLenFromIp = false;
  innerL2Off = -1;

  /** ARP/RARP header offset (Ethernet/IPv4 form), or -1. */
  arpOff = -1;
  arpEtherType = 0;

  /** Nesting headers entered so far (see MAX_NESTED_HEADERS). */
  depth = 0;
  /** Decoding stopped at MAX_NESTED_HEADERS: the frame was not decoded to its end. */
  tooDeep = false;

  trace: LayerTrace | null = null;

  reset(buf: Uint8Array, off: number, capLen: number, origLen: number): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.frameOff = off;
    this.end = off + capLen;
    this.origLen = origLen;
    this.wireLen = origLen;
    this.macOff = -1;
    this.sllAddrOff = -1;
    this.vlanCount = 0;
    this.ipVersion = 0;
    this.ipOff = -1;
    this.srcAddrOff = -1;
    this.dstAddrOff = -1;
    this.ttl = -1;
    this.ipProto = -1;
    this.ipId = 0;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.ipPayloadLen = -1;
    this.l4 = 0;
    this.tcpHeaderOk = false;
    this.tcpFlags = 0;
    this.payloadLen = -1;
    this.l4HeaderCut = false;
    this.encap = ENCAP_NONE;
    this.encapSession = -1;
    this.encapVlan = -1;
    this.outerIpVersion = 0;
    this.outerIpOff = -1;
    this.outerMacOff = -1;
    this.innerLenFromIp = false;
    this.innerL2Off = -1;
    this.arpOff = -1;
    this.depth = 0;
    this.tooDeep = false;
  }

  /** Enter one more nesting header; false (and decoding stops) beyond MAX_NESTED_HEADERS. */
  enter(): boolean {
    if (++this.depth <= MAX_NESTED_HEADERS) return true;
    this.tooDeep = true;
    return false;
  }

  /** A later IPv4/IPv6 fragment: no transport header, bytes belong to the first fragment's flow. */
  get isFragmentContinuation(): boolean {
    return this.fragOffset > 0;
  }
}

/** A decoder for one layer: reads from `off` up to `p.end` and dispatches the next layer. */
export type LayerDecoder = (p: DecodedPacket, buf: Uint8Array, off: number) => void;
