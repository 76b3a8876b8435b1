/**
 * IP addresses as numbers: parsing, CIDR prefixes and subnet tests, for matching captured
 * endpoints (held as 32-bit words) against inventory addresses (held as text).
 */
import { ipv4FromWord, ipv6FromWords } from './address.js';

/** An address as four big-endian 32-bit words (IPv4 uses the first word only). */
export interface IpAddress {
  version: 4 | 6;
  words: [number, number, number, number];
}

export interface IpPrefix extends IpAddress {
  /** Prefix length in bits; 32 or 128 for a host address. */
  prefix: number;
}

export function parseIpv4(text: string): IpAddress | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return { version: 4, words: [((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0, 0, 0, 0] };
}

export function parseIpv6(text: string): IpAddress | null {
  let s = text.trim().toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(s) || s.length < 2) return null;
  let tail: number[] = [];
  // An embedded IPv4 tail (::ffff:10.0.0.1).
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = [v4.words[0] >>> 16, v4.words[0] & 0xffff];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (head === null || rest === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  if (tail.length) {
    groups[6] = tail[0];
    groups[7] = tail[1];
  }
  const w = (i: number): number => ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return { version: 6, words: [w(0), w(1), w(2), w(3)] };
}

export function parseIp(text: string): IpAddress | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** `10.0.10.11/24`, `fe80::1/64`, or a bare address (a host prefix). */
export function parseCidr(text: string): IpPrefix | null {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  if (len === undefined) return { ...ip, prefix: max };
  if (!/^\d{1,3}$/.test(len)) return null;
  const prefix = Number(len);
  if (prefix > max) return null;
  return { ...ip, prefix };
}

/** Prefix length of a dotted netmask (255.255.255.0 -> 24), or null if not contiguous. */
export function netmaskToPrefix(mask: string): number | null {
  const ip = parseIpv4(mask);
  if (!ip) return null;
  const w = ip.words[0];
  let bits = 0;
  while (bits < 32 && (w & (0x80000000 >>> bits)) !== 0) bits++;
  return ((w << bits) >>> 0) === 0 || bits === 32 ? bits : null;
}

/** Whether `a` lies inside `prefix`. */
export function inPrefix(a: IpAddress, prefix: IpPrefix): boolean {
  if (a.version !== prefix.version) return false;
  let bits = prefix.prefix;
  for (let i = 0; i < 4 && bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((a.words[i] ^ prefix.words[i]) & mask) >>> 0 !== 0) return false;
  }
  return true;
}

export function sameAddress(a: IpAddress, b: IpAddress): boolean {
  return a.version === b.version && a.words[0] === b.words[0] && a.words[1] === b.words[1] && a.words[2] === b.words[2] && a.words[3] === b.words[3];
}

/** Text as tshark writes it (dotted quad, RFC 5952). */
export function formatIp(a: IpAddress): string {
  return a.version === 4 ? ipv4FromWord(a.words[0]) : ipv6FromWords(...a.words);
}

export function formatPrefix(p: IpPrefix): string {
  return `${formatIp(p)}/${p.prefix}`;
}

/** Lower-case colon-separated MAC, from any of 00:50:56:aa:bb:cc, 00-50-56-AA-BB-CC, 0050.56aa.bbcc. */
export function normalizeMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[:.-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}
