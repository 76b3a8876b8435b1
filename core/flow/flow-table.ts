import { IPPROTO_TCP, u32, type DecodedPacket } from '../decode/packet.js';
import type { FlowStore } from './flow-store.js';

/**
 * Key words per entry: [version<<8 | protocol, portA<<16 | portB, A0, B0, A1..A3, B1..B3].
 * IPv4 keys use the first four words only, so hashing and comparing them is short.
 */
const KEY_WORDS = 10;
const IPV4_KEY_WORDS = 4;
const INITIAL_SLOTS = 1 << 12;
/** A UDP conversation silent for longer than this is over; the next packet starts a new flow. */
export const UDP_IDLE_TIMEOUT_SECONDS = 120;

/**
 * Flows by canonical 5-tuple in an open-addressing hash table over typed arrays: no string
 * keys and no allocation per packet. The table maps keys to FlowStore indexes.
 */
export class FlowTable {
  /** Direction of the packet last looked up: true when its source is the flow's endpoint A. */
  fromA = true;
  private slots = new Int32Array(INITIAL_SLOTS);
  private keys = new Uint32Array(INITIAL_SLOTS * KEY_WORDS);
  private used = 0;
  private readonly key = new Uint32Array(KEY_WORDS);

  constructor(private readonly store: FlowStore) {}

  /**
   * The flow index of a decoded TCP/UDP packet, created if new. Sets `fromA`. A packet without
   * a timestamp of its own (`timed` false) never ends a UDP conversation.
   */
  lookup(p: DecodedPacket, sec: number, nsec: number, timed: boolean, frame: number, recordOffset: number): number {
    const k = this.key;
    const fromA = canonicalKey(p, k);
    this.fromA = fromA;
    const store = this.store;
    const mask = this.slots.length - 1;
    const words = p.ipVersion === 4 ? IPV4_KEY_WORDS : KEY_WORDS;
    let h = hashKey(k, words) & mask;
    for (;;) {
      const entry = this.slots[h];
      if (entry === 0) break;
      if (this.sameKey(h, k, words)) {
        const f = entry - 1;
        const ended =
          p.l4 === IPPROTO_TCP
            ? store.reusedBy(f, p)
            : timed && store.lastTimedSec(f) >= 0 && sec - store.lastTimedSec(f) > UDP_IDLE_TIMEOUT_SECONDS;
        if (!ended) return f;
        const next = store.create(k, sec, nsec, frame, recordOffset, fromA);
        this.slots[h] = next + 1;
        return next;
      }
      h = (h + 1) & mask;
    }
    const f = store.create(k, sec, nsec, frame, recordOffset, fromA);
    this.slots[h] = f + 1;
    this.keys.set(k, h * KEY_WORDS);
    if (++this.used * 2 > this.slots.length) this.grow();
    return f;
  }

  private sameKey(slot: number, k: Uint32Array, words: number): boolean {
    const keys = this.keys;
    const o = slot * KEY_WORDS;
    for (let i = 0; i < words; i++) if (keys[o + i] !== k[i]) return false;
    return true;
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
      let h = hashKey(k, k[0] >>> 8 === 4 ? IPV4_KEY_WORDS : KEY_WORDS) & mask;
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
    k[3] = d0;
    k[4] = s1;
    k[5] = s2;
    k[6] = s3;
    k[7] = d1;
    k[8] = d2;
    k[9] = d3;
  } else {
    k[1] = ((dp << 16) | sp) >>> 0;
    k[2] = d0;
    k[3] = s0;
    k[4] = d1;
    k[5] = d2;
    k[6] = d3;
    k[7] = s1;
    k[8] = s2;
    k[9] = s3;
  }
  return fromA;
}

/** Murmur3-style mixing of the first `words` key words. */
export function hashKey(k: ArrayLike<number>, words: number): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < words; i++) {
    h = Math.imul(h ^ k[i], 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
