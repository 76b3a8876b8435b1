import { IPPROTO_TCP, u32, type DecodedPacket } from '../decode/packet.js';
import { Flow } from './flow.js';

/** Key words per entry: [version<<8 | protocol, portA<<16 | portB, A0..A3, B0..B3]. */
const KEY_WORDS = 10;
const INITIAL_SLOTS = 1 << 12;
/** A UDP conversation silent for longer than this is over; the next packet starts a new flow. */
export const UDP_IDLE_TIMEOUT_SECONDS = 120;

/**
 * Flows by canonical 5-tuple in an open-addressing hash table over typed arrays: no string
 * keys and no allocation per packet (a new flow allocates once).
 */
export class FlowTable {
  readonly flows: Flow[] = [];
  /** Direction of the packet last looked up: true when its source is the flow's endpoint A. */
  fromA = true;
  private slots = new Int32Array(INITIAL_SLOTS);
  private keys = new Uint32Array(INITIAL_SLOTS * KEY_WORDS);
  private used = 0;
  private readonly key = new Uint32Array(KEY_WORDS);

  /**
   * The flow of a decoded TCP/UDP packet, created if new. Sets `fromA`. `sec` is -1 for a
   * packet without a timestamp of its own, which never ends a UDP conversation.
   */
  lookup(p: DecodedPacket, sec: number): Flow {
    const k = this.key;
    const fromA = canonicalKey(p, k);
    this.fromA = fromA;
    const mask = this.slots.length - 1;
    let h = hashKey(k) & mask;
    for (;;) {
      const entry = this.slots[h];
      if (entry === 0) break;
      if (this.sameKey(h, k)) {
        let flow = this.flows[entry - 1];
        if (p.l4 === IPPROTO_TCP ? flow.reusedBy(p) : sec >= 0 && flow.lastTimedSec >= 0 && sec - flow.lastTimedSec > UDP_IDLE_TIMEOUT_SECONDS) {
          flow = this.newFlow(p, k);
          this.slots[h] = flow.index + 1;
        }
        return flow;
      }
      h = (h + 1) & mask;
    }
    const flow = this.newFlow(p, k);
    this.slots[h] = flow.index + 1;
    this.keys.set(k, h * KEY_WORDS);
    if (++this.used * 2 > this.slots.length) this.grow();
    return flow;
  }

  private sameKey(slot: number, k: Uint32Array): boolean {
    const keys = this.keys;
    const o = slot * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (keys[o + i] !== k[i]) return false;
    return true;
  }

  private newFlow(p: DecodedPacket, k: Uint32Array): Flow {
    const flow = new Flow(
      this.flows.length,
      p.l4,
      p.ipVersion,
      k.slice(2, 6),
      k[1] >>> 16,
      k.slice(6, 10),
      k[1] & 0xffff,
    );
    this.flows.push(flow);
    return flow;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldKeys = this.keys;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.keys = new Uint32Array(this.slots.length * KEY_WORDS);
    const mask = this.slots.length - 1;
    for (let s = 0; s < oldSlots.length; s++) {
      if (oldSlots[s] === 0) continue;
      const k = oldKeys.subarray(s * KEY_WORDS, (s + 1) * KEY_WORDS);
      let h = hashKey(k) & mask;
      while (this.slots[h] !== 0) h = (h + 1) & mask;
      this.slots[h] = oldSlots[s];
      this.keys.set(k, h * KEY_WORDS);
    }
  }
}

/**
 * Fill `k` with the packet's canonical key; returns true when the packet's source is
 * endpoint A (the lower address, then the lower port).
 */
function canonicalKey(p: DecodedPacket, k: Uint32Array): boolean {
  const buf = p.buf;
  const so = p.srcAddrOff;
  const dOff = p.dstAddrOff;
  const sp = p.srcPort;
  const dp = p.dstPort;
  let s1 = 0, s2 = 0, s3 = 0, d1 = 0, d2 = 0, d3 = 0;
  const s0 = u32(buf, so);
  const d0 = u32(buf, dOff);
  if (p.ipVersion === 6) {
    s1 = u32(buf, so + 4);
    s2 = u32(buf, so + 8);
    s3 = u32(buf, so + 12);
    d1 = u32(buf, dOff + 4);
    d2 = u32(buf, dOff + 8);
    d3 = u32(buf, dOff + 12);
  }
  let fromA: boolean;
  if (s0 !== d0) fromA = s0 < d0;
  else if (s1 !== d1) fromA = s1 < d1;
  else if (s2 !== d2) fromA = s2 < d2;
  else if (s3 !== d3) fromA = s3 < d3;
  else fromA = sp <= dp;
  k[0] = (p.ipVersion << 8) | p.l4;
  if (fromA) {
    k[1] = ((sp << 16) | dp) >>> 0;
    k[2] = s0;
    k[3] = s1;
    k[4] = s2;
    k[5] = s3;
    k[6] = d0;
    k[7] = d1;
    k[8] = d2;
    k[9] = d3;
  } else {
    k[1] = ((dp << 16) | sp) >>> 0;
    k[2] = d0;
    k[3] = d1;
    k[4] = d2;
    k[5] = d3;
    k[6] = s0;
    k[7] = s1;
    k[8] = s2;
    k[9] = s3;
  }
  return fromA;
}

/** Murmur3-style mixing of the key words. */
export function hashKey(k: ArrayLike<number>): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < k.length; i++) {
    h = Math.imul(h ^ k[i], 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
