import type { DecodedPacket } from '../decode/packet.js';
import { hashKey } from './flow-table.js';

const SLOTS = 4096;
const KEY_WORDS = 10;
/** Fragments of one datagram arrive within this many seconds of its first fragment (RFC 791 reassembly timers are 15-120 s). */
const FRAGMENT_LIFETIME_SECONDS = 60;

/**
 * Charges later IP fragments (which carry no ports) to the flow of their first fragment, keyed
 * by (source, destination, protocol, identification). A direct-mapped cache: a colliding entry
 * is replaced, never mistaken, because the whole key is compared; a fragment whose first
 * fragment is unknown is counted as unattributed, not guessed.
 */
export class FragmentTracker {
  private readonly keys = new Uint32Array(SLOTS * KEY_WORDS);
  private readonly flowPlusOne = new Int32Array(SLOTS);
  private readonly fromA = new Uint8Array(SLOTS);
  private readonly seenSec = new Float64Array(SLOTS);
  private readonly key = new Uint32Array(KEY_WORDS);
  /** Result of `find`: direction of the datagram relative to the flow's endpoint A. */
  foundFromA = false;

  /** Remember the first fragment (offset 0, more-fragments set) of a datagram of flow `flowIndex`. */
  remember(p: DecodedPacket, flowIndex: number, fromA: boolean, sec: number): void {
    const slot = this.fill(p);
    this.keys.set(this.key, slot * KEY_WORDS);
    this.flowPlusOne[slot] = flowIndex + 1;
    this.fromA[slot] = fromA ? 1 : 0;
    this.seenSec[slot] = sec;
  }

  /** Flow index of a later fragment's datagram, or -1. Sets `foundFromA`. */
  find(p: DecodedPacket, sec: number): number {
    const slot = this.fill(p);
    const f = this.flowPlusOne[slot];
    if (f === 0 || sec - this.seenSec[slot] > FRAGMENT_LIFETIME_SECONDS) return -1;
    const keys = this.keys;
    const k = this.key;
    const o = slot * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (keys[o + i] !== k[i]) return -1;
    this.foundFromA = this.fromA[slot] === 1;
    return f - 1;
  }

  private fill(p: DecodedPacket): number {
    const k = this.key;
    const buf = p.buf;
    const ip = p.ipOff;
    k[0] = (p.ipVersion << 8) | (p.ipVersion === 4 ? buf[ip + 9] : 0);
    k[1] = p.ipId;
    if (p.ipVersion === 4) {
      k[2] = p.dv.getUint32(ip + 12);
      k[3] = k[4] = k[5] = 0;
      k[6] = p.dv.getUint32(ip + 16);
      k[7] = k[8] = k[9] = 0;
    } else {
      for (let i = 0; i < 4; i++) {
        k[2 + i] = p.dv.getUint32(ip + 8 + 4 * i);
        k[6 + i] = p.dv.getUint32(ip + 24 + 4 * i);
      }
    }
    return hashKey(k, KEY_WORDS) & (SLOTS - 1);
  }
}
