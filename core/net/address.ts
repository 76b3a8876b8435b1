/**
 * Addresses written as tshark writes them (report contract): IPv4 dotted quad, IPv6 in
 * RFC 5952 form (lower case, longest run of zero groups compressed), MACs lower-case hex with
 * colons.
 */

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macAt(buf: Uint8Array, off: number): string {
  return `${HEX2[buf[off]]}:${HEX2[buf[off + 1]]}:${HEX2[buf[off + 2]]}:${HEX2[buf[off + 3]]}:${HEX2[buf[off + 4]]}:${HEX2[buf[off + 5]]}`;
}

/** A MAC held as its high 16 and low 32 bits. */
export function macFromParts(hi: number, lo: number): string {
  return `${HEX2[(hi >>> 8) & 0xff]}:${HEX2[hi & 0xff]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 0xff]}:${HEX2[(lo >>> 8) & 0xff]}:${HEX2[lo & 0xff]}`;
}

export function ipv4At(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

export function ipv4FromWord(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
}

/** IPv6 from eight 16-bit groups, RFC 5952 section 4. */
export function ipv6FromGroups(groups: ArrayLike<number>): string {
  // Longest run of two or more zero groups; the first one wins a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // An embedded IPv4 tail (::a.b.c.d and ::ffff:a.b.c.d) is dotted, as glibc's inet_ntop
  // (which tshark uses) writes it.
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    const tail = `${groups[6] >>> 8}.${groups[6] & 0xff}.${groups[7] >>> 8}.${groups[7] & 0xff}`;
    return bestLen === 5 ? `::ffff:${tail}` : `::${tail}`;
  }
  const hex = (from: number, to: number): string => {
    const parts: string[] = [];
    for (let k = from; k < to; k++) parts.push(groups[k].toString(16));
    return parts.join(':');
  };
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

export function ipv6At(buf: Uint8Array, off: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  return ipv6FromGroups(g);
}

/** IPv6 from four big-endian 32-bit words. */
export function ipv6FromWords(w0: number, w1: number, w2: number, w3: number): string {
  return ipv6FromGroups([w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff]);
}
