import { ENCAP_NONE, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from '../decode/packet.js';
import { ipv4At, ipv6At, macAt } from '../net/address.js';
import type { Flow, FlowSide, MacPair } from './flow.js';
import { Timeline } from './timeline.js';

/** Distinct (source MAC, destination MAC) pairs remembered per side; more are only counted. */
export const MAX_MAC_PAIRS = 4;
/** Distinct VLAN ids remembered per side. */
export const MAX_VLANS = 8;
/** Frame numbers kept as samples of a flow. */
export const SAMPLE_FRAMES = 4;
/** Record-offset ranges kept per flow to find its packets again; the closest merge beyond this. */
export const MAX_EXTENTS = 32;
/** Packets further apart than this in the stream start a new extent. */
const EXTENT_GAP_BYTES = 8 * 1024 * 1024;

// Per-side counters: one row of SIDE_FIELDS doubles per (flow, side); side 0 = sent by A.
const S_PACKETS = 0;
const S_BYTES = 1;
const S_PAYLOAD = 2;
const S_FIRST_SEC = 3;
const S_FIRST_NSEC = 4;
const S_LAST_SEC = 5;
const S_LAST_NSEC = 6;
const S_FIRST_FRAME = 7;
const S_LAST_FRAME = 8;
const S_TTL_MIN = 9;
const S_TTL_MAX = 10;
const S_TTL_MIN_FRAME = 11;
const S_TTL_MAX_FRAME = 12;
const S_TCP_FLAGS = 13;
const S_SEQ_STARTED = 14;
const S_SEQ_HIGH = 15;
const S_SEQ_BYTES = 16;
const S_RETRANS = 17;
const S_HEADER_CUT = 18;
const S_UNTAGGED = 19;
/** Packets carrying the side's first MAC pair (its 12 bytes are in FlowStore.macs). */
const S_MAC_PACKETS = 20;
/**
 * The last two packets' signatures, to spot the same frame captured twice (at a vmk and at its
 * uplink, or on both uplinks of a team): (IP id or, for IPv6, ACK number) with frame length,
 * and the TCP sequence number. A retransmission carries a new IP id, so it is not a duplicate.
 */
const S_SIG_A = 21;
const S_SEQ_A = 22;
const S_SIG_B = 23;
const S_SEQ_B = 24;
const S_DUPLICATES = 25;
/** Frame number of the side's first MAC pair. */
const S_MAC_FIRST_FRAME = 26;
/** The side's first two VLAN ids (-1: none); more go to FlowExtras. */
const S_VLAN_0 = 27;
const S_VLAN_1 = 28;
const SIDE_FIELDS = 29;

// Per-flow state: one row of FLOW_FIELDS doubles per flow.
const F_PROTOCOL = 0;
const F_IP_VERSION = 1;
const F_PORT_A = 2;
const F_PORT_B = 3;
const F_SYN_FROM = 4;
const F_SYNACK_FROM = 5;
const F_FIRST_FROM = 6;
const F_SYN_FRAME = 7;
const F_SYN_SEQ = 8;
const F_FIN_FRAME = 9;
const F_RST_FRAME = 10;
/** 1 once a FIN or RST was seen: a new SYN with another ISN then opens a new flow. */
const F_CLOSING = 11;
const F_FIRST_SEC = 12;
const F_FIRST_NSEC = 13;
const F_FIRST_FRAME = 14;
/** Time of the last packet with a timestamp of its own (UDP idle timeout), -1 if none. */
const F_LAST_TIMED_SEC = 15;
const F_SAMPLES = 16;
/** The extent being extended: [start, end] record offsets. */
const F_EXTENT_START = 17;
const F_EXTENT_END = 18;
/** Timeline accumulator: the second being counted and the bytes of each side in it. */
const F_TL_SEC = 19;
const F_TL_BYTES_A = 20;
const F_TL_BYTES_B = 21;
const F_ENCAP_PACKETS = 22;
/** The first SAMPLE_FRAMES frame numbers (F_SAMPLES says how many). */
const F_SAMPLE_0 = 23;
const FLOW_FIELDS = F_SAMPLE_0 + SAMPLE_FRAMES;

const INITIAL_FLOWS = 1024;
/** A flow's rows as bytes (exportRow): its flow row and two side rows as doubles, then its address and MAC words. */
const ROW_DOUBLES = FLOW_FIELDS + 2 * SIDE_FIELDS;
const ROW_WORDS = 8 + 6;
const ROW_BYTES = 8 * ROW_DOUBLES + 4 * ROW_WORDS;
/** A flow without FIN/RST that sent within this many seconds is still going when evicted. */
const ACTIVE_SECONDS = 300;

/**
 * What does not fit in fixed columns, created for a flow only when it needs one: a second MAC
 * pair or third VLAN on a side, a second second of traffic, a jump in the file, an encapsulation.
 * Most short flows never do, so a million of them cost typed-array rows and no objects.
 */
class FlowExtras {
  /** MAC pairs after each side's first (which lives in FlowStore.macs). */
  readonly macPairs: [MacPair[], MacPair[]] = [[], []];
  readonly macOverflow = [0, 0];
  /** VLAN ids after each side's first two. */
  readonly vlans: [number[], number[]] = [[], []];
  /** Closed extents as [start, end] pairs. */
  readonly extents: number[] = [];
  timeline: Timeline | null = null;
  /** A spilled flow's timeline as its snapshot had it (the flow takes no more packets). */
  frozenTimeline: Flow['timeline'] | null = null;
  encap = ENCAP_NONE;
  encapSession = -1;
  outerSrc: string | null = null;
  outerDst: string | null = null;
  outerSrcMac: string | null = null;
  outerDstMac: string | null = null;
}

/**
 * Flow state as struct-of-arrays: per-packet updates are typed-array reads and writes at fixed
 * offsets (no object per packet, no field lookups through hidden classes), which is what keeps
 * the engine at millions of packets per second. Rare events (a new MAC pair, a VLAN, an
 * encapsulation, a jump in the file) go to a per-flow FlowExtras object.
 *
 * Flows are numbered by their first packet (ids 0, 1, ...); each live flow occupies a row
 * ("slot"). An evicted flow (see evict) gives its row to a later one.
 */
export class FlowStore {
  /** Flows created: ids 0 .. count-1. */
  count = 0;
  /** Flows holding a row. */
  live = 0;
  private capacity = INITIAL_FLOWS;
  /** Row of each flow id, -1 once evicted. */
  private slotOf = new Int32Array(INITIAL_FLOWS);
  /** Flow id in each row. */
  private idOf = new Int32Array(INITIAL_FLOWS);
  /** Rows given back by evicted flows. */
  private readonly freeSlots: number[] = [];
  private side = new Float64Array((INITIAL_FLOWS + 1) * 2 * SIDE_FIELDS);
  private flow = new Float64Array((INITIAL_FLOWS + 1) * FLOW_FIELDS);
  /** Endpoint A's then B's four address words per flow. */
  private addresses = new Uint32Array((INITIAL_FLOWS + 1) * 8);
  // Rows hold `capacity` flows plus one spare, where snapshotOf decodes a spilled flow.
  /**
   * Per side, the destination and source MAC of its first MAC pair as the three 32-bit words of
   * the Ethernet header's first 12 bytes: comparing a packet's pair is three loads.
   */
  private macs = new Uint32Array((INITIAL_FLOWS + 1) * 2 * 3);
  private readonly extras: (FlowExtras | undefined)[] = [];

  /** A new flow from its key words (see FlowTable); returns its id. */
  create(key: Uint32Array, sec: number, nsec: number, frame: number, recordOffset: number, fromA: boolean): number {
    const id = this.count++;
    if (id === this.slotOf.length) {
      const grown = new Int32Array(this.slotOf.length * 2);
      grown.set(this.slotOf);
      this.slotOf = grown;
    }
    let f = this.freeSlots.pop();
    if (f === undefined) {
      if (this.live === this.capacity) this.grow();
      f = this.live;
    }
    this.live++;
    this.slotOf[id] = f;
    this.idOf[f] = id;
    this.flow.fill(0, f * FLOW_FIELDS, (f + 1) * FLOW_FIELDS);
    this.side.fill(0, 2 * f * SIDE_FIELDS, (2 * f + 2) * SIDE_FIELDS);
    this.macs.fill(0, 6 * f, 6 * f + 6);
    const F = this.flow;
    const b = f * FLOW_FIELDS;
    F[b + F_PROTOCOL] = key[0] & 0xff;
    F[b + F_IP_VERSION] = key[0] >>> 8;
    F[b + F_PORT_A] = key[1] >>> 16;
    F[b + F_PORT_B] = key[1] & 0xffff;
    F[b + F_FIRST_FROM] = fromA ? 1 : -1;
    F[b + F_FIRST_SEC] = sec;
    F[b + F_FIRST_NSEC] = nsec;
    F[b + F_FIRST_FRAME] = frame;
    F[b + F_LAST_TIMED_SEC] = -1;
    F[b + F_EXTENT_START] = recordOffset;
    F[b + F_EXTENT_END] = recordOffset;
    F[b + F_TL_SEC] = sec;
    const a = this.addresses;
    const o = f * 8;
    a[o] = key[2];
    a[o + 1] = key[4];
    a[o + 2] = key[5];
    a[o + 3] = key[6];
    a[o + 4] = key[3];
    a[o + 5] = key[7];
    a[o + 6] = key[8];
    a[o + 7] = key[9];
    const S = this.side;
    for (let side = 0; side < 2; side++) {
      const s = (2 * f + side) * SIDE_FIELDS;
      S[s + S_TTL_MIN] = 256;
      S[s + S_TTL_MAX] = -1;
      S[s + S_SIG_A] = -1;
      S[s + S_SIG_B] = -1;
      S[s + S_VLAN_0] = -1;
      S[s + S_VLAN_1] = -1;
    }
    this.extras[f] = undefined;
    return id;
  }

  isLive(id: number): boolean {
    return this.slotOf[id] >= 0;
  }

  /** True when a SYN on flow `id`'s 5-tuple opens a new connection (port reuse after FIN/RST). */
  reusedBy(id: number, p: DecodedPacket): boolean {
    const F = this.flow;
    const b = this.slotOf[id] * FLOW_FIELDS;
    return (
      F[b + F_CLOSING] === 1 &&
      p.tcpHeaderOk &&
      (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN &&
      (F[b + F_SYN_FROM] === 0 || p.seq !== F[b + F_SYN_SEQ])
    );
  }

  lastTimedSec(id: number): number {
    return this.flow[this.slotOf[id] * FLOW_FIELDS + F_LAST_TIMED_SEC];
  }

  /**
   * Charge one packet to flow `f`. `timed` is false for records without a timestamp of their
   * own. A later IP fragment (no transport header) takes the same road.
   */
  observe(id: number, fromA: boolean, p: DecodedPacket, sec: number, nsec: number, timed: boolean, frame: number, recordOffset: number): void {
    const f = this.slotOf[id];
    const F = this.flow;
    const S = this.side;
    const b = f * FLOW_FIELDS;
    const side = fromA ? 0 : 1;
    const s = (2 * f + side) * SIDE_FIELDS;
    const len = p.wireLen;
    const payload = p.payloadLen > 0 ? p.payloadLen : 0;

    if (S[s + S_PACKETS]++ === 0) {
      S[s + S_FIRST_SEC] = sec;
      S[s + S_FIRST_NSEC] = nsec;
      S[s + S_FIRST_FRAME] = frame;
      S[s + S_LAST_SEC] = sec;
      S[s + S_LAST_NSEC] = nsec;
    } else if (sec < S[s + S_FIRST_SEC] || (sec === S[s + S_FIRST_SEC] && nsec < S[s + S_FIRST_NSEC])) {
      // Time went backwards (merged captures, a clock stepped back): a flow spans its earliest to
      // its latest packet, as Wireshark's conversations do, so its duration is never negative.
      S[s + S_FIRST_SEC] = sec;
      S[s + S_FIRST_NSEC] = nsec;
      if (sec < F[b + F_FIRST_SEC] || (sec === F[b + F_FIRST_SEC] && nsec < F[b + F_FIRST_NSEC])) {
        F[b + F_FIRST_SEC] = sec;
        F[b + F_FIRST_NSEC] = nsec;
      }
    }
    if (sec > S[s + S_LAST_SEC] || (sec === S[s + S_LAST_SEC] && nsec > S[s + S_LAST_NSEC])) {
      S[s + S_LAST_SEC] = sec;
      S[s + S_LAST_NSEC] = nsec;
    }
    S[s + S_BYTES] += len;
    S[s + S_PAYLOAD] += payload;
    S[s + S_LAST_FRAME] = frame;
    // The UDP idle timeout counts from the latest packet: one stamped in the past is no silence.
    if (timed && sec > F[b + F_LAST_TIMED_SEC]) F[b + F_LAST_TIMED_SEC] = sec;

    const m = p.macOff;
    if (m >= 0) {
      const dv = p.dv;
      const w0 = dv.getUint32(m);
      const w1 = dv.getUint32(m + 4);
      const w2 = dv.getUint32(m + 8);
      const x = 3 * (2 * f + side);
      const M = this.macs;
      if (M[x] === w0 && M[x + 1] === w1 && M[x + 2] === w2 && S[s + S_MAC_PACKETS] > 0) S[s + S_MAC_PACKETS]++;
      else this.macPair(f, side, s, w1 & 0xffff, w2, w0 >>> 16, ((w0 & 0xffff) << 16 | w1 >>> 16) >>> 0, frame, w0, w1, w2);
    } else if (p.sllAddrOff >= 0) {
      this.macPair(f, side, s, p.dv.getUint16(p.sllAddrOff), p.dv.getUint32(p.sllAddrOff + 2), -1, 0, frame, 0, 0, 0);
    }

    if (p.vlanCount === 0 && p.encapVlan < 0) S[s + S_UNTAGGED]++;
    else this.vlans(f, s, side, p);

    const ttl = p.ttl;
    if (ttl < S[s + S_TTL_MIN]) {
      S[s + S_TTL_MIN] = ttl;
      S[s + S_TTL_MIN_FRAME] = frame;
    }
    if (ttl > S[s + S_TTL_MAX]) {
      S[s + S_TTL_MAX] = ttl;
      S[s + S_TTL_MAX_FRAME] = frame;
    }
    if (p.l4HeaderCut) S[s + S_HEADER_CUT]++;
    if (p.ipVersion === 4 || p.tcpHeaderOk) {
      const sig = (p.ipVersion === 4 ? p.ipId : p.ack) * 262144 + len;
      const seq = p.tcpHeaderOk ? p.seq : -1;
      if ((sig === S[s + S_SIG_A] && seq === S[s + S_SEQ_A]) || (sig === S[s + S_SIG_B] && seq === S[s + S_SEQ_B])) S[s + S_DUPLICATES]++;
      S[s + S_SIG_B] = S[s + S_SIG_A];
      S[s + S_SEQ_B] = S[s + S_SEQ_A];
      S[s + S_SIG_A] = sig;
      S[s + S_SEQ_A] = seq;
    }
    if (p.tcpHeaderOk) this.tcp(b, s, fromA, p, payload, frame);

    if (F[b + F_SAMPLES] < SAMPLE_FRAMES) F[b + F_SAMPLE_0 + F[b + F_SAMPLES]++] = frame;
    // Bytes per second: counted in the flow's row until the second changes.
    if (sec === F[b + F_TL_SEC]) F[b + F_TL_BYTES_A + side] += len;
    else this.nextSecond(f, b, sec, side, len);
    if (recordOffset - F[b + F_EXTENT_END] <= EXTENT_GAP_BYTES) F[b + F_EXTENT_END] = recordOffset;
    else this.newExtent(f, b, recordOffset);
    if (p.encap !== ENCAP_NONE) this.encapsulated(f, b, p);
  }

  private tcp(b: number, s: number, fromA: boolean, p: DecodedPacket, payload: number, frame: number): void {
    const F = this.flow;
    const S = this.side;
    const flags = p.tcpFlags;
    S[s + S_TCP_FLAGS] = S[s + S_TCP_FLAGS] | flags;
    // SYN and FIN each occupy one sequence number (before and after the data): they move the
    // high-water mark but are not bytes.
    const syn = (flags & TCP_SYN) !== 0 ? 1 : 0;
    const fin = (flags & TCP_FIN) !== 0 ? 1 : 0;
    const end = (p.seq + syn + payload + fin) >>> 0;
    if (S[s + S_SEQ_STARTED] === 0) {
      S[s + S_SEQ_STARTED] = 1;
      S[s + S_SEQ_HIGH] = end;
      S[s + S_SEQ_BYTES] = payload;
    } else {
      const advance = (end - S[s + S_SEQ_HIGH]) | 0; // signed 32-bit distance: survives wrap-around
      if (advance > 0) {
        S[s + S_SEQ_BYTES] += advance - fin;
        S[s + S_SEQ_HIGH] = end;
      } else if (payload > 0) S[s + S_RETRANS] += payload;
    }
    if ((flags & (TCP_SYN | TCP_FIN | TCP_RST)) === 0) return;
    const handshake = flags & (TCP_SYN | TCP_ACK);
    if (handshake === TCP_SYN && F[b + F_SYN_FROM] === 0) {
      F[b + F_SYN_FROM] = fromA ? 1 : -1;
      F[b + F_SYN_FRAME] = frame;
      F[b + F_SYN_SEQ] = p.seq;
    } else if (handshake === (TCP_SYN | TCP_ACK) && F[b + F_SYNACK_FROM] === 0) {
      F[b + F_SYNACK_FROM] = fromA ? 1 : -1;
    }
    if ((flags & TCP_FIN) !== 0) {
      F[b + F_CLOSING] = 1;
      if (F[b + F_FIN_FRAME] === 0) F[b + F_FIN_FRAME] = frame;
    }
    if ((flags & TCP_RST) !== 0) {
      F[b + F_CLOSING] = 1;
      if (F[b + F_RST_FRAME] === 0) F[b + F_RST_FRAME] = frame;
    }
  }

  /**
   * A MAC pair other than the side's first (or the first itself). `w0..w2` are the header's
   * first 12 bytes as words: an Ethernet side's first pair is kept as them, for observe()'s
   * three-load comparison; later pairs, and Linux cooked captures' sender-only addresses (dstHi
   * -1), go to the flow's extras.
   */
  private macPair(f: number, side: number, s: number, srcHi: number, srcLo: number, dstHi: number, dstLo: number, frame: number, w0: number, w1: number, w2: number): void {
    const S = this.side;
    if (dstHi >= 0 && S[s + S_MAC_PACKETS] === 0) {
      const x = 3 * (2 * f + side);
      this.macs[x] = w0;
      this.macs[x + 1] = w1;
      this.macs[x + 2] = w2;
      S[s + S_MAC_PACKETS] = 1;
      S[s + S_MAC_FIRST_FRAME] = frame;
      return;
    }
    const extras = this.extrasOf(f);
    const pairs = extras.macPairs[side];
    for (let i = 0; i < pairs.length; i++) {
      const q = pairs[i];
      if (q.srcLo === srcLo && q.dstLo === dstLo && q.srcHi === srcHi && q.dstHi === dstHi) {
        q.packets++;
        return;
      }
    }
    if (pairs.length + (S[s + S_MAC_PACKETS] > 0 ? 1 : 0) === MAX_MAC_PAIRS) extras.macOverflow[side]++;
    else pairs.push({ srcHi, srcLo, dstHi, dstLo, packets: 1, firstFrame: frame });
  }

  private vlans(f: number, s: number, side: number, p: DecodedPacket): void {
    for (let i = 0; i < p.vlanCount; i++) this.vlan(f, s, side, p.vlans[i]);
    // An ERSPAN header names the mirrored frame's VLAN when the frame itself arrives untagged.
    if (p.vlanCount === 0 && p.encapVlan >= 0) this.vlan(f, s, side, p.encapVlan);
  }

  private vlan(f: number, s: number, side: number, id: number): void {
    const S = this.side;
    if (S[s + S_VLAN_0] === id || S[s + S_VLAN_1] === id) return;
    if (S[s + S_VLAN_0] < 0) S[s + S_VLAN_0] = id;
    else if (S[s + S_VLAN_1] < 0) S[s + S_VLAN_1] = id;
    else {
      const list = this.extrasOf(f).vlans[side];
      if (!list.includes(id) && list.length < MAX_VLANS - 2) list.push(id);
    }
  }

  private extrasOf(f: number): FlowExtras {
    let x = this.extras[f];
    if (x === undefined) this.extras[f] = x = new FlowExtras();
    return x;
  }

  private nextSecond(f: number, b: number, sec: number, side: number, len: number): void {
    const F = this.flow;
    this.flushSecond(f, b);
    F[b + F_TL_SEC] = sec;
    F[b + F_TL_BYTES_A + side] = len;
  }

  private flushSecond(f: number, b: number): void {
    const F = this.flow;
    if (F[b + F_TL_BYTES_A] === 0 && F[b + F_TL_BYTES_B] === 0) return;
    const x = this.extrasOf(f);
    const timeline = (x.timeline ??= new Timeline(F[b + F_FIRST_SEC]));
    const sec = F[b + F_TL_SEC];
    if (F[b + F_TL_BYTES_A] > 0) timeline.add(0, sec, F[b + F_TL_BYTES_A]);
    if (F[b + F_TL_BYTES_B] > 0) timeline.add(1, sec, F[b + F_TL_BYTES_B]);
    F[b + F_TL_BYTES_A] = 0;
    F[b + F_TL_BYTES_B] = 0;
  }

  private newExtent(f: number, b: number, offset: number): void {
    const F = this.flow;
    const e = this.extrasOf(f).extents;
    e.push(F[b + F_EXTENT_START], F[b + F_EXTENT_END]);
    if (e.length > 2 * (MAX_EXTENTS - 1)) mergeClosestExtents(e);
    F[b + F_EXTENT_START] = offset;
    F[b + F_EXTENT_END] = offset;
  }

  private encapsulated(f: number, b: number, p: DecodedPacket): void {
    this.flow[b + F_ENCAP_PACKETS]++;
    const x = this.extrasOf(f);
    if (x.encap !== ENCAP_NONE) return;
    x.encap = p.encap;
    x.encapSession = p.encapSession;
    const buf = p.buf;
    if (p.outerIpOff >= 0) {
      const o = p.outerIpOff;
      x.outerSrc = p.outerIpVersion === 4 ? ipv4At(buf, o + 12) : ipv6At(buf, o + 8);
      x.outerDst = p.outerIpVersion === 4 ? ipv4At(buf, o + 16) : ipv6At(buf, o + 24);
    }
    if (p.outerMacOff >= 0) {
      x.outerDstMac = macAt(buf, p.outerMacOff);
      x.outerSrcMac = macAt(buf, p.outerMacOff + 6);
    }
  }

  private grow(): void {
    this.capacity *= 2;
    const idOf = new Int32Array(this.capacity);
    idOf.set(this.idOf);
    this.idOf = idOf;
    const side = new Float64Array((this.capacity + 1) * 2 * SIDE_FIELDS);
    side.set(this.side);
    this.side = side;
    const flow = new Float64Array((this.capacity + 1) * FLOW_FIELDS);
    flow.set(this.flow);
    this.flow = flow;
    const addresses = new Uint32Array((this.capacity + 1) * 8);
    addresses.set(this.addresses);
    this.addresses = addresses;
    const macs = new Uint32Array((this.capacity + 1) * 2 * 3);
    macs.set(this.macs);
    this.macs = macs;
  }

  /**
   * Free the rows of the `n` flows that have been quiet longest (by their last frame), handing
   * each one's state to `spill` first (see exportRow; `row` is reused after the call). Returns how many of them had not finished by
   * `nowSec` (no FIN/RST, and traffic within ACTIVE_SECONDS): if their traffic resumes, it
   * starts a new flow.
   */
  evictQuietest(n: number, nowSec: number, spill: (id: number, row: Uint8Array) => void): number {
    const S = this.side;
    const F = this.flow;
    const last = new Float64Array(this.capacity).fill(Infinity);
    for (let f = 0; f < this.capacity; f++) {
      if (this.slotOf[this.idOf[f]] !== f) continue;
      last[f] = Math.max(S[2 * f * SIDE_FIELDS + S_LAST_FRAME], S[(2 * f + 1) * SIDE_FIELDS + S_LAST_FRAME]);
    }
    const threshold = last.slice().sort()[Math.min(n, this.live) - 1];
    const victims: number[] = [];
    for (let f = 0; f < this.capacity && victims.length < n; f++) if (last[f] <= threshold) victims.push(this.idOf[f]);
    // In id order: the spill then holds flows roughly in the order the report reads them back.
    victims.sort((a, b) => a - b);
    let active = 0;
    for (const id of victims) {
      const f = this.slotOf[id];
      spill(id, this.exportRow(f));
      const lastSec = Math.max(S[2 * f * SIDE_FIELDS + S_LAST_SEC], S[(2 * f + 1) * SIDE_FIELDS + S_LAST_SEC]);
      if (F[f * FLOW_FIELDS + F_CLOSING] !== 1 && nowSec - lastSec < ACTIVE_SECONDS) active++;
      this.slotOf[id] = -1;
      this.extras[f] = undefined;
      this.freeSlots.push(f);
      this.live--;
    }
    return active;
  }

  private readonly rowBuffer = new ArrayBuffer(ROW_BYTES);
  private readonly rowDoubles = new Float64Array(this.rowBuffer, 0, ROW_DOUBLES);
  private readonly rowWords = new Uint32Array(this.rowBuffer, 8 * ROW_DOUBLES, ROW_WORDS);
  private readonly rowBytes = new Uint8Array(this.rowBuffer);

  /**
   * Row `f` as bytes: its typed rows, then (only when it has them) its extras as JSON with the
   * timeline frozen. The common case is a copy into a reused buffer.
   */
  private exportRow(f: number): Uint8Array {
    const D = this.rowDoubles;
    D.set(this.flow.subarray(f * FLOW_FIELDS, (f + 1) * FLOW_FIELDS), 0);
    D.set(this.side.subarray(2 * f * SIDE_FIELDS, (2 * f + 2) * SIDE_FIELDS), FLOW_FIELDS);
    this.rowWords.set(this.addresses.subarray(f * 8, f * 8 + 8), 0);
    this.rowWords.set(this.macs.subarray(6 * f, 6 * f + 6), 8);
    const x = this.extras[f];
    if (x === undefined) return this.rowBytes;
    const b = f * FLOW_FIELDS;
    const { timeline, ...rest } = x;
    void timeline;
    const json = new TextEncoder().encode(JSON.stringify({ ...rest, frozenTimeline: this.timelineSnapshot(b, x) }));
    const out = new Uint8Array(ROW_BYTES + json.length);
    out.set(this.rowBytes, 0);
    out.set(json, ROW_BYTES);
    return out;
  }

  /** A snapshot of flow `id` from exportRow's bytes (read back from a spill). */
  snapshotOf(id: number, row: Uint8Array): Flow {
    // Decoded into a spare row past the live ones, so snapshot() reads it like any other.
    const f = this.capacity;
    this.rowBytes.set(row.subarray(0, ROW_BYTES));
    this.flow.set(this.rowDoubles.subarray(0, FLOW_FIELDS), f * FLOW_FIELDS);
    this.side.set(this.rowDoubles.subarray(FLOW_FIELDS), 2 * f * SIDE_FIELDS);
    this.addresses.set(this.rowWords.subarray(0, 8), f * 8);
    this.macs.set(this.rowWords.subarray(8), 6 * f);
    this.extras[f] = row.length > ROW_BYTES ? Object.assign(new FlowExtras(), JSON.parse(new TextDecoder().decode(row.subarray(ROW_BYTES))) as Partial<FlowExtras>) : undefined;
    const spare = this.slotOf[id];
    this.slotOf[id] = f;
    try {
      return this.snapshot(id);
    } finally {
      this.slotOf[id] = spare;
    }
  }

  /**
   * A snapshot of flow `id` for reports. It leaves the store as it was (a live capture snapshots
   * while counting goes on): the timeline is a copy with the second being counted added.
   */
  snapshot(id: number): Flow {
    const f = this.slotOf[id];
    const F = this.flow;
    const b = f * FLOW_FIELDS;
    const x = this.extras[f];
    const sideA = this.sideSnapshot(f, 0);
    const sideB = this.sideSnapshot(f, 1);
    const last = sideA.lastSec > sideB.lastSec || (sideA.lastSec === sideB.lastSec && sideA.lastNsec >= sideB.lastNsec) ? sideA : sideB;
    const A = this.addresses;
    const o = f * 8;
    const samples: number[] = [];
    for (let i = 0; i < F[b + F_SAMPLES]; i++) samples.push(F[b + F_SAMPLE_0 + i]);
    return {
      index: id,
      protocol: F[b + F_PROTOCOL],
      ipVersion: F[b + F_IP_VERSION],
      addrA: [A[o], A[o + 1], A[o + 2], A[o + 3]],
      portA: F[b + F_PORT_A],
      addrB: [A[o + 4], A[o + 5], A[o + 6], A[o + 7]],
      portB: F[b + F_PORT_B],
      sideA,
      sideB,
      packets: sideA.packets + sideB.packets,
      synFrom: F[b + F_SYN_FROM],
      synAckFrom: F[b + F_SYNACK_FROM],
      firstFrom: F[b + F_FIRST_FROM],
      synFrame: F[b + F_SYN_FRAME],
      finFrame: F[b + F_FIN_FRAME],
      rstFrame: F[b + F_RST_FRAME],
      firstSec: F[b + F_FIRST_SEC],
      firstNsec: F[b + F_FIRST_NSEC],
      lastSec: last.lastSec,
      lastNsec: last.lastNsec,
      firstFrame: F[b + F_FIRST_FRAME],
      samples,
      encap: x?.encap ?? ENCAP_NONE,
      encapSession: x?.encapSession ?? -1,
      encapPackets: F[b + F_ENCAP_PACKETS],
      outerSrc: x?.outerSrc ?? null,
      outerDst: x?.outerDst ?? null,
      outerSrcMac: x?.outerSrcMac ?? null,
      outerDstMac: x?.outerDstMac ?? null,
      extents: [...(x?.extents ?? []), F[b + F_EXTENT_START], F[b + F_EXTENT_END]],
      timeline: this.timelineSnapshot(b, x),
    };
  }

  /** The flow's bytes per bucket, the second being counted included, without touching the store. */
  private timelineSnapshot(b: number, x: FlowExtras | undefined): Flow['timeline'] {
    const F = this.flow;
    if (x?.frozenTimeline) return x.frozenTimeline;
    // A flow that never saw a second change has one bucket: no Timeline to copy.
    if (x === undefined || x.timeline === null) return { startSec: F[b + F_FIRST_SEC], width: 1, sides: [[F[b + F_TL_BYTES_A]], [F[b + F_TL_BYTES_B]]] };
    const timeline = x.timeline.copy();
    if (F[b + F_TL_BYTES_A] > 0) timeline.add(0, F[b + F_TL_SEC], F[b + F_TL_BYTES_A]);
    if (F[b + F_TL_BYTES_B] > 0) timeline.add(1, F[b + F_TL_SEC], F[b + F_TL_BYTES_B]);
    return { startSec: timeline.startSec, width: timeline.width, sides: [timeline.side(0), timeline.side(1)] };
  }

  private sideSnapshot(f: number, side: number): FlowSide {
    const S = this.side;
    const s = (2 * f + side) * SIDE_FIELDS;
    const x = this.extras[f];
    const pairs: MacPair[] = [];
    if (S[s + S_MAC_PACKETS] > 0) {
      const m = this.macs;
      const w = 3 * (2 * f + side);
      pairs.push({ srcHi: m[w + 1] & 0xffff, srcLo: m[w + 2], dstHi: m[w] >>> 16, dstLo: (((m[w] & 0xffff) << 16) | (m[w + 1] >>> 16)) >>> 0, packets: S[s + S_MAC_PACKETS], firstFrame: S[s + S_MAC_FIRST_FRAME] });
    }
    for (const q of x?.macPairs[side] ?? []) pairs.push({ ...q });
    const vlans: number[] = [];
    if (S[s + S_VLAN_0] >= 0) vlans.push(S[s + S_VLAN_0]);
    if (S[s + S_VLAN_1] >= 0) vlans.push(S[s + S_VLAN_1]);
    for (const v of x?.vlans[side] ?? []) vlans.push(v);
    return {
      packets: S[s + S_PACKETS],
      bytes: S[s + S_BYTES],
      payloadBytes: S[s + S_PAYLOAD],
      firstSec: S[s + S_FIRST_SEC],
      firstNsec: S[s + S_FIRST_NSEC],
      lastSec: S[s + S_LAST_SEC],
      lastNsec: S[s + S_LAST_NSEC],
      firstFrame: S[s + S_FIRST_FRAME],
      lastFrame: S[s + S_LAST_FRAME],
      macPairs: pairs,
      macPairOverflow: x?.macOverflow[side] ?? 0,
      vlans,
      untagged: S[s + S_UNTAGGED],
      ttlMin: S[s + S_TTL_MIN],
      ttlMax: S[s + S_TTL_MAX],
      ttlMinFrame: S[s + S_TTL_MIN_FRAME],
      ttlMaxFrame: S[s + S_TTL_MAX_FRAME],
      tcpFlags: S[s + S_TCP_FLAGS],
      seqStarted: S[s + S_SEQ_STARTED] === 1,
      seqBytes: S[s + S_SEQ_BYTES],
      retransmittedBytes: S[s + S_RETRANS],
      headerCut: S[s + S_HEADER_CUT],
      duplicates: S[s + S_DUPLICATES],
    };
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
