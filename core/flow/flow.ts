import {
  ENCAP_NONE,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  u16,
  u32,
  type DecodedPacket,
} from '../decode/packet.js';
import { ipv4At as ipv4Text, ipv6At as ipv6Text, macAt as macText } from '../net/address.js';
import { Timeline } from './timeline.js';

/** Distinct (source MAC, destination MAC) pairs remembered per side; more are only counted. */
export const MAX_MAC_PAIRS = 4;
/** Distinct VLAN ids remembered per side. */
export const MAX_VLANS = 8;
/** Frame numbers kept as samples of a flow. */
export const SAMPLE_FRAMES = 4;
/** Record-offset ranges kept per flow to find its packets again; closest ranges merge beyond this. */
export const MAX_EXTENTS = 32;
/** Packets further apart than this in the stream start a new extent. */
const EXTENT_GAP_BYTES = 8 * 1024 * 1024;

/** Traffic sent by one end of a flow. */
export class FlowSide {
  packets = 0;
  /** Frame bytes (Wireshark frame.len; the inner frame for mirrored copies). */
  bytes = 0;
  /** Transport payload bytes implied by IP lengths (snaplen does not shrink them). */
  payloadBytes = 0;
  firstSec = -1;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  firstFrame = 0;
  lastFrame = 0;
  /** MAC pairs as [srcHi, srcLo, dstHi, dstLo, packets, firstFrame] * MAX_MAC_PAIRS. */
  readonly macPairs = new Float64Array(6 * MAX_MAC_PAIRS);
  macPairCount = 0;
  /** Packets whose MAC pair did not fit in `macPairs`. */
  macPairOverflow = 0;
  readonly vlans: number[] = [];
  /** Packets of this side that carried no VLAN tag. */
  untagged = 0;
  ttlMin = 256;
  ttlMax = -1;
  ttlMinFrame = 0;
  ttlMaxFrame = 0;
  tcpFlags = 0;
  /** Sequence space covered, from the first sequence number seen to the highest end (wrap-safe). */
  seqBytes = 0;
  /** Payload bytes of segments that ended at or below the highest sequence already seen. */
  retransmittedBytes = 0;
  /**
   * Packets whose transport header the snaplen cut short. They are counted here (they were on
   * the wire); tshark's Conversations leave them out.
   */
  headerCut = 0;
  seqStarted = false;
  seqHigh = 0;

  observe(p: DecodedPacket, sec: number, nsec: number, frame: number): void {
    this.packets++;
    this.bytes += p.wireLen;
    const payload = p.payloadLen > 0 ? p.payloadLen : 0;
    this.payloadBytes += payload;
    if (this.firstSec < 0) {
      this.firstSec = sec;
      this.firstNsec = nsec;
      this.firstFrame = frame;
    }
    this.lastSec = sec;
    this.lastNsec = nsec;
    this.lastFrame = frame;
    const buf = p.buf;
    if (p.macOff >= 0) {
      const m = p.macOff;
      this.macPair(u16(buf, m + 6), u32(buf, m + 8), u16(buf, m), u32(buf, m + 2), frame);
    } else if (p.sllAddrOff >= 0) {
      this.macPair(u16(buf, p.sllAddrOff), u32(buf, p.sllAddrOff + 2), -1, 0, frame);
    }
    if (p.vlanCount === 0 && p.encapVlan < 0) this.untagged++;
    else {
      for (let i = 0; i < p.vlanCount; i++) this.vlan(p.vlans[i]);
      if (p.encapVlan >= 0 && p.vlanCount === 0) this.vlan(p.encapVlan);
    }
    const ttl = p.ttl;
    if (ttl < this.ttlMin) {
      this.ttlMin = ttl;
      this.ttlMinFrame = frame;
    }
    if (ttl > this.ttlMax) {
      this.ttlMax = ttl;
      this.ttlMaxFrame = frame;
    }
    if (p.l4HeaderCut) this.headerCut++;
    if (p.tcpHeaderOk) this.sequence(p, payload);
  }

  private sequence(p: DecodedPacket, payload: number): void {
    const flags = p.tcpFlags;
    this.tcpFlags |= flags;
    const syn = (flags & TCP_SYN) !== 0 ? 1 : 0;
    // End of this segment's data in sequence space (a SYN occupies one number before the data).
    const end = (p.seq + syn + payload) >>> 0;
    if (!this.seqStarted) {
      this.seqStarted = true;
      this.seqHigh = end;
      this.seqBytes = payload;
      return;
    }
    const advance = (end - this.seqHigh) | 0; // signed 32-bit distance: survives wrap-around
    if (advance > 0) {
      this.seqBytes += advance;
      this.seqHigh = end;
    } else if (payload > 0) {
      this.retransmittedBytes += payload;
    }
  }

  private macPair(srcHi: number, srcLo: number, dstHi: number, dstLo: number, frame: number): void {
    const m = this.macPairs;
    for (let i = 0, o = 0; i < this.macPairCount; i++, o += 6) {
      if (m[o] === srcHi && m[o + 1] === srcLo && m[o + 2] === dstHi && m[o + 3] === dstLo) {
        m[o + 4]++;
        return;
      }
    }
    if (this.macPairCount === MAX_MAC_PAIRS) {
      this.macPairOverflow++;
      return;
    }
    const o = 6 * this.macPairCount++;
    m[o] = srcHi;
    m[o + 1] = srcLo;
    m[o + 2] = dstHi;
    m[o + 3] = dstLo;
    m[o + 4] = 1;
    m[o + 5] = frame;
  }

  private vlan(id: number): void {
    const v = this.vlans;
    for (let i = 0; i < v.length; i++) if (v[i] === id) return;
    if (v.length < MAX_VLANS) v.push(id);
  }
}

/**
 * One TCP connection or UDP conversation. Endpoints are kept in canonical order (A sorts before
 * B by address, then port) so both directions find the same entry; which one is the client is
 * decided from the handshake, or the port table when no SYN was captured.
 */
export class Flow {
  readonly sideA = new FlowSide();
  readonly sideB = new FlowSide();
  /** +1: A sent the first SYN; -1: B did; 0: no SYN seen. */
  synFrom = 0;
  /** +1/-1 as above for the first SYN-ACK (its sender is the server). */
  synAckFrom = 0;
  /** +1 if A sent the flow's first packet, else -1. */
  firstFrom = 0;
  synFrame = 0;
  synSeq = 0;
  finFrame = 0;
  rstFrame = 0;
  packets = 0;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  /** Time of the last packet that carried a timestamp of its own, -1 if none did. */
  lastTimedSec = -1;
  firstFrame = 0;
  readonly samples: number[] = [];
  /** Encapsulation of the first mirrored/tunnelled packet, and how many packets had one. */
  encap = ENCAP_NONE;
  encapSession = -1;
  encapPackets = 0;
  /** Outer addresses (as text: once per flow) of the first encapsulated packet. */
  outerSrc: string | null = null;
  outerDst: string | null = null;
  outerSrcMac: string | null = null;
  outerDstMac: string | null = null;
  /** Stream offsets of the records of this flow, as [start, end] pairs. */
  readonly extents: number[] = [];
  timeline: Timeline | null = null;
  /** Set once a FIN or RST was seen: a new SYN with another ISN then starts a new flow. */
  closing = false;

  constructor(
    /** Position in the capture's flow list. */
    readonly index: number,
    /** IPPROTO_TCP or IPPROTO_UDP. */
    readonly protocol: number,
    readonly ipVersion: number,
    /** Canonical endpoint A then B: four address words each (IPv4 uses the first). */
    readonly addrA: Uint32Array,
    readonly portA: number,
    readonly addrB: Uint32Array,
    readonly portB: number,
  ) {}

  observe(p: DecodedPacket, fromA: boolean, sec: number, nsec: number, frame: number, recordOffset: number): void {
    if (this.packets === 0) {
      this.firstSec = sec;
      this.firstNsec = nsec;
      this.firstFrame = frame;
      this.firstFrom = fromA ? 1 : -1;
      this.timeline = new Timeline(sec);
    }
    this.packets++;
    this.lastSec = sec;
    this.lastNsec = nsec;
    if (this.samples.length < SAMPLE_FRAMES) this.samples.push(frame);
    (fromA ? this.sideA : this.sideB).observe(p, sec, nsec, frame);
    this.timeline!.add(fromA ? 0 : 1, sec, p.wireLen);
    this.extend(recordOffset);
    if (p.encap !== ENCAP_NONE) this.encapsulated(p);
    if (p.tcpHeaderOk) {
      const flags = p.tcpFlags;
      if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && this.synFrom === 0) {
        this.synFrom = fromA ? 1 : -1;
        this.synFrame = frame;
        this.synSeq = p.seq;
      } else if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && this.synAckFrom === 0) {
        this.synAckFrom = fromA ? 1 : -1;
      }
      if ((flags & TCP_FIN) !== 0) {
        this.closing = true;
        if (this.finFrame === 0) this.finFrame = frame;
      }
      if ((flags & TCP_RST) !== 0) {
        this.closing = true;
        if (this.rstFrame === 0) this.rstFrame = frame;
      }
    }
  }

  /** Later fragments of a datagram whose first fragment belongs to this flow. */
  observeFragment(p: DecodedPacket, fromA: boolean, sec: number, nsec: number, frame: number, recordOffset: number): void {
    this.packets++;
    this.lastSec = sec;
    this.lastNsec = nsec;
    (fromA ? this.sideA : this.sideB).observe(p, sec, nsec, frame);
    this.timeline!.add(fromA ? 0 : 1, sec, p.wireLen);
    this.extend(recordOffset);
  }

  /** True when a SYN on this flow's 5-tuple opens a new connection (port reuse after FIN/RST). */
  reusedBy(p: DecodedPacket): boolean {
    return (
      this.closing &&
      p.tcpHeaderOk &&
      (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN &&
      (this.synFrom === 0 || p.seq !== this.synSeq)
    );
  }

  private extend(offset: number): void {
    const e = this.extents;
    const n = e.length;
    if (n > 0 && offset - e[n - 1] <= EXTENT_GAP_BYTES) {
      e[n - 1] = offset;
      return;
    }
    e.push(offset, offset);
    if (e.length > 2 * MAX_EXTENTS) mergeClosestExtents(e);
  }

  private encapsulated(p: DecodedPacket): void {
    this.encapPackets++;
    if (this.encap !== ENCAP_NONE) return;
    this.encap = p.encap;
    this.encapSession = p.encapSession;
    const buf = p.buf;
    if (p.outerIpOff >= 0) {
      const o = p.outerIpOff;
      this.outerSrc = p.outerIpVersion === 4 ? ipv4Text(buf, o + 12) : ipv6Text(buf, o + 8);
      this.outerDst = p.outerIpVersion === 4 ? ipv4Text(buf, o + 16) : ipv6Text(buf, o + 24);
    }
    if (p.outerMacOff >= 0) {
      this.outerDstMac = macText(buf, p.outerMacOff);
      this.outerSrcMac = macText(buf, p.outerMacOff + 6);
    }
  }
}

/** Merge the two neighbouring extents with the smallest gap between them. */
function mergeClosestExtents(e: number[]): void {
  let best = 2;
  let bestGap = Infinity;
  for (let i = 2; i < e.length; i += 2) {
    const gap = e[i] - e[i - 1];
    if (gap < bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  e[best - 1] = Math.max(e[best - 1], e[best + 1]);
  e.splice(best, 2);
}
