import { IPPROTO_TCP, TCP_SYN, type DecodedPacket } from '../decode/packet.js';
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
    const k0 = k[0];
    const k1 = k[1];
    const k2 = k[2];
    const k3 = k[3];
    const v4 = p.ipVersion === 4;
    let h = mix(mix(mix(mix(HASH_SEED, k0), k1), k2), k3);
    if (!v4) for (let i = IPV4_KEY_WORDS; i < KEY_WORDS; i++) h = mix(h, k[i]);
    const mask = this.slots.length - 1;
    const slots = this.slots;
    const keys = this.keys;
    let slot = finish(h) & mask;
    for (;;) {
      const entry = slots[slot];
      if (entry === 0) break;
      const o = slot * KEY_WORDS;
      if (keys[o] === k0 && keys[o + 1] === k1 && keys[o + 2] === k2 && keys[o + 3] === k3 && (v4 || this.sameTail(o, k))) {
        const f = entry - 1;
        if (!this.ended(f, p, sec, timed)) return f;
        const next = this.store.create(k, sec, nsec, frame, recordOffset, fromA);
        slots[slot] = next + 1;
        return next;
      }
      slot = (slot + 1) & mask;
    }
    const f = this.store.create(k, sec, nsec, frame, recordOffset, fromA);
    slots[slot] = f + 1;
    keys.set(k, slot * KEY_WORDS);
    if (++this.used * 2 > slots.length) this.grow();
    return f;
  }

  /** Has flow `f` ended before this packet: TCP port reuse after FIN/RST, or a UDP silence? */
  private ended(f: number, p: DecodedPacket, sec: number, timed: boolean): boolean {
    if (p.l4 === IPPROTO_TCP) return (p.tcpFlags & TCP_SYN) !== 0 && this.store.reusedBy(f, p);
    if (!timed) return false;
    const last = this.store.lastTimedSec(f);
    return last >= 0 && sec - last > UDP_IDLE_TIMEOUT_SECONDS;
  }

  /** Drop the entries of flows the store evicted (FlowStore.evictQuietest), rehashing the rest. */
  dropEvicted(): void {
    const oldSlots = this.slots;
    const oldKeys = this.keys;
    this.slots = new Int32Array(oldSlots.length);
    this.keys = new Uint32Array(oldKeys.length);
    this.used = 0;
    this.rehash(oldSlots, oldKeys, (id) => this.store.isLive(id));
  }

  /** The IPv6 address words beyond the first four. */
  private sameTail(o: number, k: Uint32Array): boolean {
    const keys = this.keys;
    for (let i = IPV4_KEY_WORDS; i < KEY_WORDS; i++) if (keys[o + i] !== k[i]) return false;
    return true;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldKeys = this.keys;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.keys = new Uint32Array(this.slots.length * KEY_WORDS);
    this.used = 0;
    this.rehash(oldSlots, oldKeys, () => true);
  }

  private rehash(oldSlots: Int32Array, oldKeys: Uint32Array, keep: (id: number) => boolean): void {
    const mask = this.slots.length - 1;
    for (let s = 0; s < oldSlots.length; s++) {
      if (oldSlots[s] === 0 || !keep(oldSlots[s] - 1)) continue;
      const k = oldKeys.subarray(s * KEY_WORDS, (s + 1) * KEY_WORDS);
      let h = hashKey(k, k[0] >>> 8 === 4 ? IPV4_KEY_WORDS : KEY_WORDS) & mask;
      while (this.slots[h] !== 0) h = (h + 1) & mask;
      this.slots[h] = oldSlots[s];
      this.keys.set(k, h * KEY_WORDS);
      this.used++;
    }
  }
}

/**
 * Fill `k` with the packet's canonical key; returns true when the packet's source is
 * endpoint A (the lower address, then the lower port).
 */
function canonicalKey(p: DecodedPacket, k: Uint32Array): boolean {
  const so = p.srcAddrOff;
  const dOff = p.dstAddrOff;
  const sp = p.srcPort;
  const dp = p.dstPort;
  let s1 = 0, s2 = 0, s3 = 0, d1 = 0, d2 = 0, d3 = 0;
  const s0 = p.dv.getUint32(so);
  const d0 = p.dv.getUint32(dOff);
  if (p.ipVersion === 6) {
    s1 = p.dv.getUint32(so + 4);
    s2 = p.dv.getUint32(so + 8);
    s3 = p.dv.getUint32(so + 12);
    d1 = p.dv.getUint32(dOff + 4);
    d2 = p.dv.getUint32(dOff + 8);
    d3 = p.dv.getUint32(dOff + 12);
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

const HASH_SEED = 0x9e3779b9;

/** One Murmur3-style mixing round. */
function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0xcc9e2d51);
  return (h << 15) | (h >>> 17);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash of the first `words` key words (the same rounds `lookup` does inline). */
export function hashKey(k: ArrayLike<number>, words: number): number {
  let h = HASH_SEED;
  for (let i = 0; i < words; i++) h = mix(h, k[i]);
  return finish(h);
}
