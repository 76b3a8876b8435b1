/**
 * A flow as the report sees it: a snapshot taken from the FlowStore once a capture is read.
 * One TCP connection or UDP conversation; endpoints in canonical order (A sorts before B by
 * address, then port), with the traffic each end sent.
 */

export interface MacPair {
  srcHi: number;
  srcLo: number;
  /** -1 when the link layer names only the sender (Linux cooked captures). */
  dstHi: number;
  dstLo: number;
  packets: number;
  firstFrame: number;
}

/** Traffic sent by one end of a flow. */
export interface FlowSide {
  packets: number;
  /** Frame bytes (Wireshark frame.len; the inner frame for mirrored copies). */
  bytes: number;
  /** Transport payload bytes implied by IP lengths (a snaplen does not shrink them). */
  payloadBytes: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  firstFrame: number;
  lastFrame: number;
  /** Distinct (source, destination) MAC pairs, at most MAX_MAC_PAIRS. */
  macPairs: MacPair[];
  /** Packets whose MAC pair was one too many to remember. */
  macPairOverflow: number;
  vlans: number[];
  /** Packets that carried no VLAN tag. */
  untagged: number;
  ttlMin: number;
  ttlMax: number;
  ttlMinFrame: number;
  ttlMaxFrame: number;
  tcpFlags: number;
  seqStarted: boolean;
  /** Sequence space covered from the first segment seen to the highest end (wrap-safe). */
  seqBytes: number;
  /** Payload bytes of segments that ended at or below the highest sequence already seen. */
  retransmittedBytes: number;
  /** Packets whose transport header the snaplen cut (counted; tshark's Conversations omit them). */
  headerCut: number;
  /** Packets identical to one of the two before them in this direction (captured twice). */
  duplicates: number;
}

export interface Flow {
  /** Position in the capture's flow list. */
  index: number;
  /** IPPROTO_TCP or IPPROTO_UDP. */
  protocol: number;
  ipVersion: number;
  /** Endpoint A then B: four address words each (IPv4 uses the first). */
  addrA: number[];
  portA: number;
  addrB: number[];
  portB: number;
  sideA: FlowSide;
  sideB: FlowSide;
  packets: number;
  /** +1: A sent it first; -1: B did; 0: never seen. For the first SYN, SYN-ACK and packet. */
  synFrom: number;
  synAckFrom: number;
  firstFrom: number;
  synFrame: number;
  finFrame: number;
  rstFrame: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  firstFrame: number;
  samples: number[];
  /** Encapsulation (ENCAP_*) of the first mirrored or tunnelled packet, and how many had one. */
  encap: number;
  encapSession: number;
  encapPackets: number;
  outerSrc: string | null;
  outerDst: string | null;
  outerSrcMac: string | null;
  outerDstMac: string | null;
  /** Stream offsets of the flow's records as [start, end] pairs. */
  extents: number[];
  /** Frame bytes per bucket of `width` seconds from `startSec`, sent by A then by B. */
  timeline: { startSec: number; width: number; sides: [number[], number[]] };
}
