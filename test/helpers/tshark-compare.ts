/**
 * Comparing vmkscope's decode of a capture with tshark's: per-packet fields (tshark
 * `-T fields` rows), flows (tshark's tcp.stream / udp.stream groups) and tshark's conversation
 * table. Used on the corpus (tshark's committed output) and on generated captures (tshark run
 * live).
 */
import assert from 'node:assert/strict';
import { CaptureInputError } from '../../core/contract/errors.js';
import { addressText } from '../../core/report/flow-records.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { list, supportedPrefix, type TsharkRow } from './corpus.js';
import { TracingSink, type TracedFrame } from './tracing-sink.js';

/** Which tshark field list each layer feeds. */
const FIELD_LAYER: Record<string, string> = {
  'eth.src': 'eth',
  'eth.dst': 'eth',
  'vlan.id': 'vlan',
  'ip.src': 'ip',
  'ip.dst': 'ip',
  'ip.ttl': 'ip',
  'ip.proto': 'ip',
  'ipv6.src': 'ipv6',
  'ipv6.dst': 'ipv6',
  'tcp.srcport': 'tcp',
  'tcp.dstport': 'tcp',
  'udp.srcport': 'udp',
  'udp.dstport': 'udp',
  'erspan.spanid': 'erspan',
  'gre.proto': 'gre',
};

/**
 * The layers both decoders handle. GRE inside UDP (RFC 8086, port 4754) is something tshark
 * decodes and vmkscope does not (corpus README): the comparison stops there too.
 */
function comparableLayers(protocols: string): string[] {
  const prefix = supportedPrefix(protocols);
  for (let i = 1; i < prefix.length; i++) if (prefix[i] === 'gre' && prefix[i - 1] === 'udp') return prefix.slice(0, i);
  return prefix;
}

function count(layers: string[], name: string): number {
  return layers.filter((l) => l === name).length;
}

/** tshark prints nonsense for sub-second fields >= 1e9 (timestamp_invalid_nano): not comparable. */
function comparableTime(t: string): boolean {
  return t === '' || /^\d+\.\d{9}$/.test(t);
}

export function comparePacket(expected: TsharkRow, extra: TsharkRow, got: TracedFrame, file: string): void {
  const where = `${file} frame ${expected['frame.number']}`;
  assert.equal(String(got.number), expected['frame.number'], `${where}: frame.number`);
  assert.equal(String(got.len), expected['frame.len'], `${where}: frame.len`);
  assert.equal(String(got.capLen), expected['frame.cap_len'], `${where}: frame.cap_len`);
  if (comparableTime(expected['frame.time_epoch'])) assert.equal(got.time, expected['frame.time_epoch'], `${where}: frame.time_epoch`);
  const layers = comparableLayers(extra['frame.protocols']);
  for (const [field, layer] of Object.entries(FIELD_LAYER)) {
    const k = count(layers, layer);
    const want = list(expected[field]).slice(0, k);
    const have = (got.fields.get(field) ?? []).slice(0, k);
    assert.deepEqual(have, want, `${where}: ${field} (layers ${layers.join(':')})`);
  }
}

export interface ExpectedFlow {
  key: string;
  /** Frame numbers tshark gives this stream (later fragments included). */
  frames: number[];
  proto: 'tcp' | 'udp';
  endpoints: [string, string];
  packets: number;
  bytes: number;
  /** Packets and bytes sent by endpoints[0] and endpoints[1]. */
  sent: [number, number];
  sentBytes: [number, number];
}

/** Header bytes in front of the mirrored Ethernet frame, from tshark's layer list. */
function mirrorOverhead(layers: string[], extra: TsharkRow): number {
  const mirrorAt = layers.findIndex((l, i) => l === 'erspan' || (l === 'gre' && layers[i + 1] === 'eth'));
  let bytes = 0;
  const before = layers.slice(0, mirrorAt);
  bytes += count(before, 'eth') * 14 + (count(before, 'vlan') + count(before, 'ieee8021ad')) * 4;
  bytes += count(before, 'ip') * 20 + count(before, 'ipv6') * 40;
  const greKey = list(extra['gre.key']).length > 0;
  const greSeq = list(extra['gre.sequence_number']).length > 0;
  bytes += 4 + (greKey ? 4 : 0) + (greSeq ? 4 : 0);
  if (layers[mirrorAt] === 'erspan') {
    const version = list(extra['erspan.version'])[0];
    if (version === '1') bytes += 8;
    else if (version === '2') bytes += 12;
  }
  return bytes;
}

/** The fragment facts of a frame's innermost IP header (IPv4 or IPv6 fragment header), or null. */
function innermostFragment(row: TsharkRow, extra: TsharkRow, layers: string[]): { key: string; offset: number; more: boolean } | null {
  let family = '';
  for (let k = layers.length - 1; k >= 0; k--) if (layers[k] === 'ip' || layers[k] === 'ipv6') {
    family = layers[k];
    break;
  }
  if (family === '') return null;
  const index = count(layers, family) - 1;
  const src = list(row[`${family}.src`])[index];
  const dst = list(row[`${family}.dst`])[index];
  if (family === 'ip') {
    const offset = Number(list(extra['ip.frag_offset'])[index] ?? 0);
    const more = list(extra['ip.flags.mf'])[index] === '1';
    return { key: `${src}>${dst}#${list(extra['ip.id'])[index]}`, offset, more };
  }
  if (!layers.includes('ipv6.fraghdr') || extra['ipv6.fraghdr.ident'] === undefined) return null;
  return {
    key: `${src}>${dst}#${list(extra['ipv6.fraghdr.ident']).at(-1)}`,
    offset: Number(list(extra['ipv6.fraghdr.offset']).at(-1) ?? 0),
    more: list(extra['ipv6.fraghdr.more']).at(-1) === '1',
  };
}

/**
 * Flows as tshark sees them (tcp.stream / udp.stream of the innermost comparable transport
 * layer), with the byte rules of the report contract: frame.len, or the inner frame for a
 * mirrored copy; later IP fragments charged to their first fragment's flow.
 */
export function expectedFlows(rows: TsharkRow[], extras: TsharkRow[]): ExpectedFlow[] {
  const flows = new Map<string, ExpectedFlow>();
  const order: ExpectedFlow[] = [];
  // First fragments by (src, dst, ip.id): the flow they went to, or null for a mirrored copy
  // whose inner frame was already counted whole.
  const firstFragments = new Map<string, ExpectedFlow | null>();
  // Outer fragments of mirrored copies: sum of their IP payloads, for the inner frame's size.
  const outerFragmentPayload = new Map<string, number>();
  rows.forEach((row, i) => {
    const extra = extras[i];
    const mf = list(extra['ip.flags.mf'])[0];
    // ip.len exists where fragments do (nodefrag.extra.tsv): the outer datagram's true size.
    if (mf === undefined || extra['ip.len'] === undefined) return;
    if (Number(list(extra['ip.frag_offset'])[0] ?? 0) > 0 || mf === '1') {
      const fragKey = `${list(row['ip.src'])[0]}>${list(row['ip.dst'])[0]}#${list(extra['ip.id'])[0]}`;
      outerFragmentPayload.set(fragKey, (outerFragmentPayload.get(fragKey) ?? 0) + Number(list(extra['ip.len'])[0]) - 20);
    }
  });
  rows.forEach((row, i) => {
    const extra = extras[i];
    const layers = comparableLayers(extra['frame.protocols']);
    const mfs = list(extra['ip.flags.mf']);
    let t = -1;
    for (let k = layers.length - 1; k >= 0; k--) if (layers[k] === 'tcp' || layers[k] === 'udp') {
      t = k;
      break;
    }
    if (t < 0) {
      // A later fragment of the innermost IP datagram: charged to its first fragment's flow.
      const frag = innermostFragment(row, extra, layers);
      if (frag === null || frag.offset === 0) return;
      const flow = firstFragments.get(frag.key);
      if (!flow) return;
      const from = frag.key.split('>')[0] === flow.endpoints[0].split('|')[0] ? 0 : 1;
      flow.frames.push(Number(row['frame.number']));
      flow.packets++;
      flow.bytes += Number(row['frame.len']);
      flow.sent[from]++;
      flow.sentBytes[from] += Number(row['frame.len']);
      return;
    }
    const proto = layers[t] as 'tcp' | 'udp';
    const before = layers.slice(0, t);
    const transportIndex = count(before, proto);
    const stream = list(extra[`${proto}.stream`])[transportIndex];
    let family = '';
    for (let k = t - 1; k >= 0; k--) if (layers[k] === 'ip' || layers[k] === 'ipv6') {
      family = layers[k];
      break;
    }
    const ipIndex = count(before, family) - 1;
    const src = list(row[`${family}.src`])[ipIndex];
    const dst = list(row[`${family}.dst`])[ipIndex];
    const sport = list(row[`${proto}.srcport`])[transportIndex];
    const dport = list(row[`${proto}.dstport`])[transportIndex];
    const a = `${src}|${sport}`;
    const b = `${dst}|${dport}`;
    const key = `${proto}:${stream}`;
    let flow = flows.get(key);
    if (!flow) {
      flow = { key, frames: [], proto, endpoints: [a, b], packets: 0, bytes: 0, sent: [0, 0], sentBytes: [0, 0] };
      flows.set(key, flow);
      order.push(flow);
    }
    const mirrored = layers.includes('erspan') || layers.some((l, k) => l === 'gre' && layers[k + 1] === 'eth');
    let bytes = Number(row['frame.len']);
    if (mirrored) {
      const outerMf = mfs[0] === '1';
      if (outerMf) {
        const fragKey = `${list(row['ip.src'])[0]}>${list(row['ip.dst'])[0]}#${list(extra['ip.id'])[0]}`;
        const greBytes = mirrorOverhead(layers, extra) - (count(layers.slice(0, layers.indexOf('gre')), 'eth') * 14 + 20);
        bytes = outerFragmentPayload.get(fragKey)! - greBytes;
        firstFragments.set(fragKey, null);
      } else bytes -= mirrorOverhead(layers, extra);
    } else {
      const frag = innermostFragment(row, extra, layers);
      if (frag !== null && frag.more) firstFragments.set(frag.key, flow);
    }
    const from = flow.endpoints[0] === a ? 0 : 1;
    flow.frames.push(Number(row['frame.number']));
    flow.packets++;
    flow.bytes += bytes;
    flow.sent[from]++;
    flow.sentBytes[from] += bytes;
  });
  return order;
}

function ourFlows(sink: TracingSink) {
  return [...sink.analysis.flows()].map((f) => {
    const a = `${addressText(f.ipVersion, f.addrA)}|${f.portA}`;
    const b = `${addressText(f.ipVersion, f.addrB)}|${f.portB}`;
    return { proto: f.protocol === 6 ? 'tcp' : 'udp', a, b, flow: f };
  });
}

/**
 * Each tshark stream must be exactly one vmkscope flow holding exactly its frames, with the same
 * frame bytes in each direction. (Endpoints are checked against tshark's conversation table,
 * which, like vmkscope, names an IPv6 routing header's final destination.)
 */
export function compareFlows(expected: ExpectedFlow[], sink: TracingSink, file: string): void {
  const flows = [...sink.analysis.flows()];
  const seen = new Set<number>();
  for (const e of expected) {
    const where = `${file} ${e.key} ${e.endpoints.join(' <-> ')}`;
    const indexes = new Set(e.frames.map((n) => sink.frames[n - 1].flow));
    assert.equal(indexes.size, 1, `${where}: frames ${e.frames.join(',')} fell into vmkscope flows ${[...indexes].join(',')}`);
    const index = [...indexes][0];
    assert.ok(index >= 0, `${where}: frames ${e.frames.join(',')} belong to no vmkscope flow`);
    assert.ok(!seen.has(index), `${where}: vmkscope flow ${index} also holds another tshark stream`);
    seen.add(index);
    const flow = flows[index];
    assert.equal(flow.packets, e.packets, `${where}: packets`);
    assert.equal(flow.sideA.bytes + flow.sideB.bytes, e.bytes, `${where}: frame bytes`);
    // endpoints[0] sent the stream's first frame, as did the flow's `firstFrom` side.
    const [first, second] = flow.firstFrom === 1 ? [flow.sideA, flow.sideB] : [flow.sideB, flow.sideA];
    assert.deepEqual([first.packets, second.packets], e.sent, `${where}: packets per direction`);
    assert.deepEqual([first.bytes, second.bytes], e.sentBytes, `${where}: frame bytes per direction`);
  }
  const extra = flows.filter((f) => !seen.has(f.index));
  assert.equal(extra.length, 0, `${file}: vmkscope has flows tshark does not: ${extra.map((f) => `${addressText(f.ipVersion, f.addrA)}|${f.portA} <-> ${addressText(f.ipVersion, f.addrB)}|${f.portB}`).join(', ')}`);
}

interface Conversation {
  proto: 'tcp' | 'udp';
  a: string;
  b: string;
  /** Frames and bytes from b to a, then from a to b, as tshark's "<-" and "->" columns. */
  framesBA: number;
  framesAB: number;
  /** Exact byte counts where tshark printed them in bytes (below 10000), else null. */
  bytesBA: number | null;
  bytesAB: number | null;
}

export function parseConversations(text: string): Conversation[] {
  const out: Conversation[] = [];
  let proto: 'tcp' | 'udp' = 'tcp';
  const endpoint = (e: string): string => {
    const i = e.lastIndexOf(':');
    return `${e.slice(0, i)}|${e.slice(i + 1)}`;
  };
  const exact = (b: string): number | null => (b.endsWith(' bytes') ? Number(b.split(' ')[0]) : null);
  for (const line of text.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp';
    if (line.startsWith('UDP Conversations')) proto = 'udp';
    const m = /^(\S+)\s+<->\s+(\S+)\s+(\d+) (\d+ \w+)\s+(\d+) (\d+ \w+)\s+/.exec(line);
    if (!m) continue;
    out.push({ proto, a: endpoint(m[1]), b: endpoint(m[2]), framesBA: Number(m[3]), bytesBA: exact(m[4]), framesAB: Number(m[5]), bytesAB: exact(m[6]) });
  }
  return out;
}

/**
 * tshark's own conversation table, for the conversations whose layers vmkscope decodes: frames
 * per direction exactly, and bytes where tshark prints them exactly and vmkscope counts the same
 * frames (no mirror copies, which count inner frames). One documented difference: tshark leaves
 * out frames whose transport header the snaplen cut; vmkscope counts them (headerCut).
 */
export function compareConversations(conversations: Conversation[], expected: ExpectedFlow[], sink: TracingSink, file: string, mirrored: boolean): void {
  const ours = ourFlows(sink);
  const used = new Set<number>();
  // Conversations of layers vmkscope does not decode (NFLOG, PPP in GRE, GRE in UDP) have no
  // stream in `expected`: those conversations are not compared.
  const streamFlows = new Set(expected.map((e) => sink.frames[e.frames[0] - 1].flow));
  const decodable = (c: Conversation): boolean =>
    ours.some((o, k) => streamFlows.has(k) && o.proto === c.proto && ((o.a === c.a && o.b === c.b) || (o.a === c.b && o.b === c.a)));
  for (const c of conversations.filter(decodable)) {
    const i = ours.findIndex((o, k) => !used.has(k) && o.proto === c.proto && ((o.a === c.a && o.b === c.b) || (o.a === c.b && o.b === c.a)));
    assert.ok(i >= 0, `${file}: tshark conversation ${c.proto} ${c.a} <-> ${c.b} has no vmkscope flow`);
    used.add(i);
    const o = ours[i];
    const [fromA, fromB] = o.a === c.a ? [o.flow.sideA, o.flow.sideB] : [o.flow.sideB, o.flow.sideA];
    const where = `${file} conversation ${c.proto} ${c.a} <-> ${c.b}`;
    assert.deepEqual([fromA.packets - fromA.headerCut, fromB.packets - fromB.headerCut], [c.framesAB, c.framesBA], `${where}: frames per direction`);
    if (mirrored || fromA.headerCut + fromB.headerCut > 0) continue;
    if (c.bytesAB !== null) assert.equal(fromA.bytes, c.bytesAB, `${where}: bytes a->b`);
    if (c.bytesBA !== null) assert.equal(fromB.bytes, c.bytesBA, `${where}: bytes b->a`);
  }
}

export async function decodeTraced(file: string): Promise<{ sink: TracingSink; error: CaptureInputError | null }> {
  const sink = new TracingSink();
  try {
    await readCapture(file, () => sink, { hash: false });
    return { sink, error: null };
  } catch (err) {
    if (err instanceof CaptureInputError) return { sink, error: err };
    throw err;
  }
}

