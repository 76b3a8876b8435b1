/**
 * Mutations: AFL-style havoc on bytes (flips, interesting integers, arithmetic, block deletion,
 * duplication and splicing, dictionary tokens), plus mutations that know the containers (pcap
 * record headers and pcapng block, option and length fields, whole records duplicated, dropped
 * or swapped) and the text of inventories (lines, tokens, long repetitions that find regular
 * expressions with super-linear backtracking).
 */
import type { Prng } from '../../core/synth/prng.js';

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40, 0x45, 0x60, 0x86, 0xdd, 0x81, 0x88];
const INTERESTING_16 = [0, 1, 4, 8, 12, 16, 20, 28, 32, 40, 0x7fff, 0x8000, 0xffff, 0xfffc, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x88be, 0x22eb, 0x6558, 0x883e, 0x0806, 0x8035];
const INTERESTING_32 = [0, 1, 12, 16, 20, 24, 28, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc, 0xfffffff0, 262144, 262145, 0x01000000, 0x01000004, 16 * 1024 * 1024 + 4, 0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a, 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0xa1b2cd34];

/** Byte tokens the decoders and readers branch on (EtherTypes, GRE/ERSPAN, IP headers, magics). */
export const BINARY_TOKENS: Uint8Array[] = [
  [0x81, 0x00, 0x00, 0x14], [0x88, 0xa8, 0x00, 0x0a], [0x91, 0x00, 0x00, 0x01], [0x08, 0x00], [0x86, 0xdd], [0x08, 0x06], [0x80, 0x35],
  [0x88, 0xbe], [0x22, 0xeb], [0x65, 0x58], [0x88, 0x3e], [0x10, 0x00, 0x88, 0xbe], [0x00, 0x00, 0x88, 0xbe], [0x20, 0x00, 0x22, 0xeb],
  [0x45, 0x00, 0x00, 0x00], [0x45, 0x00, 0x05, 0xdc, 0x00, 0x01, 0x20, 0x00, 0x40, 0x2f], [0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06],
  [0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x2c, 0x40], [0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40], [0x06], [0x11], [0x2f], [0x04], [0x29], [0x2b], [0x2c], [0x33], [0x3c],
  [0x1f, 0x40], [0x03, 0x86], [0x08, 0xae], [0x1f, 0x8b, 0x08, 0x00],
  [0x0a, 0x0d, 0x0d, 0x0a], [0x4d, 0x3c, 0x2b, 0x1a], [0x1a, 0x2b, 0x3c, 0x4d], [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1],
  [0x06, 0x00, 0x00, 0x00], [0x01, 0x00, 0x00, 0x00], [0x05, 0x00, 0x00, 0x00], [0x03, 0x00, 0x00, 0x00], [0xad, 0x0b, 0x00, 0x00], [0xad, 0x0b, 0x00, 0x40],
  [0x09, 0x00, 0x01, 0x00], [0x0e, 0x00, 0x08, 0x00], [0x02, 0x00], [0x00, 0x00, 0x00, 0x00],
].map((t) => Uint8Array.from(t));

/** A field the structure walker found: where it is, its width and byte order. */
interface Field {
  off: number;
  size: 2 | 4;
  le: boolean;
}

/** Records (pcap) or blocks (pcapng) and the numeric fields in their headers. */
interface Layout {
  records: [number, number][];
  fields: Field[];
}

function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

function u32(b: Uint8Array, o: number, le: boolean): number {
  return le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function put(b: Uint8Array, f: Field, v: number): void {
  if (f.off + f.size > b.length) return;
  for (let i = 0; i < f.size; i++) {
    const shift = 8 * (f.le ? i : f.size - 1 - i);
    b[f.off + i] = (v >>> shift) & 0xff;
  }
}

/** Walk a pcap or pcapng container as far as its own lengths allow. */
export function layout(b: Uint8Array): Layout {
  const out: Layout = { records: [], fields: [] };
  if (b.length < 24) return out;
  const magic = u32(b, 0, true);
  if (magic === 0x0a0d0d0a) return pcapngLayout(b, out);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d || magic === 0xa1b2cd34;
  const be = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1 || magic === 0x34cdb2a1;
  if (!le && !be) return out;
  const hdr = u32(b, 0, le) === 0xa1b2cd34 ? 24 : 16;
  out.fields.push({ off: 4, size: 2, le }, { off: 16, size: 4, le }, { off: 20, size: 4, le });
  let pos = 24;
  while (pos + hdr <= b.length && out.records.length < 4096) {
    const cap = u32(b, pos + 8, le);
    out.fields.push({ off: pos, size: 4, le }, { off: pos + 4, size: 4, le }, { off: pos + 8, size: 4, le }, { off: pos + 12, size: 4, le });
    const end = pos + hdr + cap;
    out.records.push([pos, Math.min(end, b.length)]);
    if (end > b.length) break;
    pos = end;
  }
  return out;
}

function pcapngLayout(b: Uint8Array, out: Layout): Layout {
  let pos = 0;
  let le = true;
  while (pos + 12 <= b.length && out.records.length < 4096) {
    if (u32(b, pos, true) === 0x0a0d0d0a) le = u32(b, pos + 8, true) === 0x1a2b3c4d;
    const type = u32(b, pos, le);
    const len = u32(b, pos + 4, le);
    out.fields.push({ off: pos, size: 4, le }, { off: pos + 4, size: 4, le });
    if (len < 12 || pos + len > b.length) {
      out.records.push([pos, b.length]);
      break;
    }
    out.fields.push({ off: pos + len - 4, size: 4, le });
    let options = -1;
    if (type === 6 && len >= 32) {
      out.fields.push({ off: pos + 8, size: 4, le }, { off: pos + 12, size: 4, le }, { off: pos + 16, size: 4, le }, { off: pos + 20, size: 4, le }, { off: pos + 24, size: 4, le });
      options = pos + 28 + ((u32(b, pos + 20, le) + 3) & ~3);
    } else if (type === 1 && len >= 20) {
      out.fields.push({ off: pos + 8, size: 2, le }, { off: pos + 12, size: 4, le });
      options = pos + 16;
    } else if (type === 0x0a0d0d0a && len >= 28) {
      out.fields.push({ off: pos + 12, size: 2, le }, { off: pos + 14, size: 2, le });
      options = pos + 24;
    } else if (type === 5 && len >= 24) {
      out.fields.push({ off: pos + 8, size: 4, le });
      options = pos + 20;
    } else if (type === 3 && len >= 16) {
      out.fields.push({ off: pos + 8, size: 4, le });
    }
    // Option TLVs: code and length fields.
    for (let at = options; options >= 0 && at + 4 <= pos + len - 4; ) {
      out.fields.push({ off: at, size: 2, le }, { off: at + 2, size: 2, le });
      const olen = u16(b, at + 2, le);
      if (u16(b, at, le) === 0) break;
      at += 4 + ((olen + 3) & ~3);
    }
    out.records.push([pos, pos + len]);
    pos += len;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One random mutation of a binary input. `others` feeds splicing. */
function mutateOnce(input: Uint8Array, rng: Prng, others: readonly Uint8Array[], tokens: readonly Uint8Array[], structured: boolean): Uint8Array {
  const b = input;
  const n = b.length;
  const pos = (): number => rng.int(0, Math.max(0, n - 1));
  const op = rng.int(0, structured ? 15 : 11);
  switch (op) {
    case 0: {
      if (n === 0) break;
      const c = b.slice();
      const p = pos();
      c[p] ^= 1 << rng.int(0, 7);
      return c;
    }
    case 1: {
      if (n === 0) break;
      const c = b.slice();
      c[pos()] = rng.next() < 0.5 ? rng.int(0, 255) : rng.pick(INTERESTING_8);
      return c;
    }
    case 2: {
      if (n < 2) break;
      const c = b.slice();
      put(c, { off: rng.int(0, n - 2), size: 2, le: rng.next() < 0.5 }, rng.pick(INTERESTING_16));
      return c;
    }
    case 3: {
      if (n < 4) break;
      const c = b.slice();
      const v = rng.next() < 0.2 ? n + rng.int(-8, 8) : rng.pick(INTERESTING_32);
      put(c, { off: rng.int(0, n - 4), size: 4, le: rng.next() < 0.5 }, v >>> 0);
      return c;
    }
    case 4: {
      if (n === 0) break;
      const c = b.slice();
      const p = pos();
      c[p] = (c[p] + rng.int(-16, 16)) & 0xff;
      return c;
    }
    case 5: {
      // Delete a range.
      if (n < 2) break;
      const from = pos();
      const len = rng.int(1, Math.min(n - from, rng.next() < 0.8 ? 16 : 512));
      return concat([b.subarray(0, from), b.subarray(from + len)]);
    }
    case 6: {
      // Duplicate a range in place (repeated headers, tags, records).
      if (n === 0) break;
      const from = pos();
      // Rarely a short piece thousands of times: headers nested deeper than any stack allows.
      const deep = rng.next() < 0.03;
      const len = rng.int(1, Math.min(n - from, deep ? 24 : 64));
      const times = deep ? rng.int(1000, 20000) : rng.next() < 0.9 ? 1 : rng.int(2, 32);
      const piece = b.subarray(from, from + len);
      return concat([b.subarray(0, from + len), ...Array<Uint8Array>(times).fill(piece), b.subarray(from + len)]);
    }
    case 7: {
      // Insert random bytes.
      const at = rng.int(0, n);
      const ins = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255));
      return concat([b.subarray(0, at), ins, b.subarray(at)]);
    }
    case 8: {
      // A dictionary token, inserted or written over; rarely thousands of times in a row (a VLAN
      // tag or an IPv6 extension header repeated nests as deep as the record allows).
      const token = rng.pick(tokens);
      const t = rng.next() < 0.02 ? concat(Array<Uint8Array>(rng.int(1000, 20000)).fill(token)) : token;
      const at = rng.int(0, n);
      if (rng.next() < 0.5 || at + t.length > n) return concat([b.subarray(0, at), t, b.subarray(at)]);
      const c = b.slice();
      c.set(t, at);
      return c;
    }
    case 9: {
      // Splice with another input.
      if (others.length === 0) break;
      const o = rng.pick(others);
      if (o.length === 0) break;
      const cut = rng.int(0, n);
      const from = rng.int(0, o.length - 1);
      return concat([b.subarray(0, cut), o.subarray(from, from + rng.int(1, Math.min(o.length - from, 4096)))]);
    }
    case 10: {
      // Truncate: a capture cut short must be a warning, never a failure.
      if (n < 2) break;
      return b.slice(0, rng.int(0, n - 1));
    }
    case 11: {
      // Copy a range over another.
      if (n < 4) break;
      const c = b.slice();
      const from = pos();
      const to = pos();
      const len = rng.int(1, Math.min(32, n - Math.max(from, to)));
      c.copyWithin(to, from, from + len);
      return c;
    }
    default:
      return mutateStructure(b, rng, others);
  }
  return b.slice();
}

/** Mutations of record headers and block lengths, and of whole records. */
function mutateStructure(b: Uint8Array, rng: Prng, others: readonly Uint8Array[]): Uint8Array {
  const l = layout(b);
  if (l.fields.length === 0) return b.slice();
  switch (rng.int(0, 4)) {
    case 0: {
      const c = b.slice();
      const f = rng.pick(l.fields);
      const old = f.size === 2 ? u16(c, f.off, f.le) : u32(c, f.off, f.le);
      const choice = rng.int(0, 3);
      const v =
        choice === 0 ? rng.pick(f.size === 2 ? INTERESTING_16 : INTERESTING_32)
        : choice === 1 ? old + rng.int(-8, 8)
        : choice === 2 ? old + 4 * rng.int(-4, 4)
        : rng.int(0, f.size === 2 ? 0xffff : 0xffffffff);
      put(c, f, v >>> 0);
      return c;
    }
    case 1: {
      // Duplicate a record many times (many packets, many interfaces, many sections).
      if (l.records.length === 0) break;
      const [s, e] = rng.pick(l.records);
      const times = rng.next() < 0.7 ? rng.int(1, 4) : rng.int(8, 256);
      return concat([b.subarray(0, e), ...Array<Uint8Array>(times).fill(b.subarray(s, e)), b.subarray(e)]);
    }
    case 2: {
      if (l.records.length === 0) break;
      const [s, e] = rng.pick(l.records);
      return concat([b.subarray(0, s), b.subarray(e)]);
    }
    case 3: {
      // Swap two records: time going backwards, a packet before its interface.
      if (l.records.length < 2) break;
      const i = rng.int(0, l.records.length - 2);
      const [s1, e1] = l.records[i];
      const [s2, e2] = l.records[i + 1];
      return concat([b.subarray(0, s1), b.subarray(s2, e2), b.subarray(e1, s2), b.subarray(s1, e1), b.subarray(e2)]);
    }
    case 4: {
      // Graft a record of another input (another link type, byte order, section).
      const o = others.length > 0 ? rng.pick(others) : null;
      if (o === null) break;
      const ol = layout(o);
      if (ol.records.length === 0) break;
      const [s, e] = rng.pick(ol.records);
      const at = l.records.length > 0 ? rng.pick(l.records)[0] : b.length;
      return concat([b.subarray(0, at), o.subarray(s, e), b.subarray(at)]);
    }
  }
  return b.slice();
}

/** Stack 1 to 8 mutations, as AFL's havoc stage does; the result stays under `max` bytes. */
export function mutateBytes(input: Uint8Array, rng: Prng, others: readonly Uint8Array[], tokens: readonly Uint8Array[], max: number, structured: boolean): Uint8Array {
  let out = input;
  const rounds = 1 << rng.int(0, 3);
  for (let i = 0; i < rounds; i++) {
    out = mutateOnce(out, rng, others, tokens, structured);
    if (out.length > max) out = out.subarray(0, max);
  }
  return out;
}

const TEXT_TOKENS = [
  '0.0.0.0', '255.255.255.255', '999.1.1.1', '1.2.3', '::', '::1', 'fe80::1%vmk0', '2001:db8::1/129', '10.0.0.1/33', '10.0.0.1/-1', '00:50:56:zz:00:01',
  '-1', '0', '4294967296', '9007199254740993', '1e309', 'NaN', 'Infinity', '0x10', 'vmk0', 'vmk1', 'vmk99999999999', 'vmk', 'vmk-1',
  'true', 'false', 'null', '~', '&a', '*a', '<<: *a', '!!binary', '!!js/function', '!!str', '? ', '{', '}', '[', ']', '"', "'", ',', ':', ': ', '- ', '#', '\t', '\\', '|', '>',
  '<', '&', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '=HYPERLINK("http://x")', '\u202e', '\ufeff', '\u2028', '😀',
  'VMotion', 'Management', 'vSphereProvisioning', 'vSphereReplication', 'VSAN', 'defaultTcpipStack', 'vmotion', 'vSphereProvisioning', 'hosts:', 'vmks:', 'device:', 'ip:',
  '[root@esx01:~]', '[root@esx01:~] esxcli network ip interface list', '[root@esx01:~] esxcli network ip interface ipv4 get', '--formatter=csv', '--formatter=xml', '--formatter=keyvalue',
  '<?xml version="1.0"?>', '<root>', '</root>', '<structure typeName="', '<field name="', '<string>', '</string>', '<list type="structure">', 'govc host.vnic.info',
  '"Device"', '"Spec"', '"Ip"', '"IpAddress"', '"SubnetMask"', 'VMHost', 'NicType', 'PortGroup', 'DeviceName', 'IPAddress',
];

/** Words and punctuation runs of the seeds: a dictionary made of the formats themselves. */
export function textTokens(seeds: readonly string[]): string[] {
  const set = new Set(TEXT_TOKENS);
  for (const s of seeds) for (const m of s.matchAll(/[A-Za-z0-9_.:@\-[\]~/"]+|[^\sA-Za-z0-9]+/g)) if (m[0].length <= 64) set.add(m[0]);
  return [...set];
}

function mutateTextOnce(text: string, rng: Prng, others: readonly string[], tokens: readonly string[]): string {
  const lines = text.split('\n');
  const line = (): number => rng.int(0, Math.max(0, lines.length - 1));
  switch (rng.int(0, 11)) {
    case 0:
      lines.splice(line(), 1);
      return lines.join('\n');
    case 1: {
      const i = line();
      lines.splice(i, 0, ...Array<string>(rng.next() < 0.9 ? 1 : rng.int(2, 200)).fill(lines[i] ?? ''));
      return lines.join('\n');
    }
    case 2: {
      const i = line();
      const j = line();
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 3: {
      // A line of another input (another format, another host).
      if (others.length === 0) break;
      const o = rng.pick(others).split('\n');
      lines.splice(line(), 0, ...o.slice(rng.int(0, o.length - 1)).slice(0, rng.int(1, 8)));
      return lines.join('\n');
    }
    case 4:
    case 5: {
      // Replace a word or number with a token.
      const words = [...text.matchAll(/[A-Za-z0-9_.:/-]+/g)];
      if (words.length === 0) break;
      const w = rng.pick(words);
      return text.slice(0, w.index) + rng.pick(tokens) + text.slice(w.index! + w[0].length);
    }
    case 6: {
      const at = rng.int(0, text.length);
      return text.slice(0, at) + rng.pick(tokens) + text.slice(at);
    }
    case 7: {
      // A character replaced by anything, control characters included.
      if (text.length === 0) break;
      const at = rng.int(0, text.length - 1);
      const c = rng.next() < 0.5 ? String.fromCharCode(rng.int(0, 127)) : rng.pick([' ', '\t', '\r', ':', '-', '"', ',', '|', '=', '.', '/', '%']);
      return text.slice(0, at) + c + text.slice(at + 1);
    }
    case 8: {
      // A short piece repeated hundreds or thousands of times: finds regular expressions that
      // backtrack super-linearly and quadratic loops.
      if (text.length === 0) break;
      const at = rng.int(0, text.length - 1);
      const piece = text.slice(at, at + rng.int(1, 8));
      return text.slice(0, at) + piece.repeat(rng.int(100, 3000)) + text.slice(at);
    }
    case 9:
      return text.slice(0, rng.int(0, text.length));
    case 10: {
      // Indentation (YAML nesting), leading and trailing blanks.
      const i = line();
      lines[i] = rng.next() < 0.5 ? ' '.repeat(rng.int(1, 8)) + (lines[i] ?? '') : (lines[i] ?? '').trimStart();
      return lines.join('\n');
    }
    case 11: {
      // Numbers to neighbours and extremes.
      const nums = [...text.matchAll(/\d+/g)];
      if (nums.length === 0) break;
      const m = rng.pick(nums);
      const v = rng.pick(['0', '1', '255', '256', '32', '33', '128', '129', '4095', '4096', '9000', '9001', '65535', '65536', '-1', '99999999999999999999', String(Number(m[0]) + 1)]);
      return text.slice(0, m.index) + v + text.slice(m.index! + m[0].length);
    }
  }
  return text;
}

export function mutateText(text: string, rng: Prng, others: readonly string[], tokens: readonly string[], max: number): string {
  let out = text;
  const rounds = 1 << rng.int(0, 2);
  for (let i = 0; i < rounds; i++) {
    out = mutateTextOnce(out, rng, others, tokens);
    if (out.length > max) out = out.slice(0, max);
  }
  return out;
}
