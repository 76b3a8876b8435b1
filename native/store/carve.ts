import fs from 'node:fs';
import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import {
  pcapngTimestamp,
  PCAPNG_EPB_OVERHEAD,
  PCAP_RECORD_HEADER_BYTES,
  writePcapFileHeader,
  writePcapngInterface,
  writePcapngPacketHeader,
  writePcapngSectionHeader,
  writePcapRecordHeader,
} from '../../core/capture/writer.js';
import type { CarveRequest, CarveResult } from '../../core/contract/engine-api.js';
import type { CaptureRecord, FlowRecord } from '../../core/contract/report.js';
import { linkDecoder } from '../../core/decode/dispatch.js';
import { DecodedPacket, type LayerDecoder } from '../../core/decode/packet.js';
import { ipv4At, ipv6At } from '../../core/net/address.js';
import { parseIp } from '../../core/net/ip.js';
import { readCapture } from '../sources/capture-reader.js';
import type { AnalysisStore } from './analysis-store.js';
import { StoreError } from './database.js';

/** Seconds and nanoseconds of an ISO-8601 time as the report writes them. */
function instant(iso: string): [number, number] {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(iso)!;
  return [Date.parse(`${m[1]}Z`) / 1000, Number((m[2] ?? '').padEnd(9, '0').slice(0, 9))];
}

/** One flow to carve, as numbers the per-packet test compares without allocating. */
interface Target {
  protocol: number;
  version: 4 | 6;
  client: Uint32Array;
  clientPort: number;
  server: Uint32Array;
  serverPort: number;
  startSec: number;
  startNsec: number;
  endSec: number;
  endNsec: number;
  extents: [number, number][];
}

function target(flow: FlowRecord): Target {
  const client = parseIp(flow.client.ip);
  const server = parseIp(flow.server.ip);
  if (client === null || server === null) throw new StoreError(`flow ${flow.id} has no IP endpoints to carve by`);
  const [startSec, startNsec] = instant(flow.start);
  const [endSec, endNsec] = instant(flow.end);
  return {
    protocol: flow.protocol === 'tcp' ? 6 : 17,
    version: client.version,
    client: Uint32Array.from(client.words),
    clientPort: flow.client.port,
    server: Uint32Array.from(server.words),
    serverPort: flow.server.port,
    startSec,
    startNsec,
    endSec,
    endNsec,
    extents: flow.fileOffsets.extents,
  };
}

/** Whether the address at `off` (IPv4 or IPv6 by `version`) is `words`. */
function addressIs(dv: DataView, off: number, version: 4 | 6, words: Uint32Array): boolean {
  if (dv.getUint32(off) !== words[0]) return false;
  return version === 4 || (dv.getUint32(off + 4) === words[1] && dv.getUint32(off + 8) === words[2] && dv.getUint32(off + 12) === words[3]);
}

function inExtents(t: Target, offset: number): boolean {
  for (const [a, b] of t.extents) if (offset >= a && offset <= b) return true;
  return false;
}

function inTime(t: Target, sec: number, nsec: number): boolean {
  if (sec < t.startSec || (sec === t.startSec && nsec < t.startNsec)) return false;
  return sec < t.endSec || (sec === t.endSec && nsec <= t.endNsec);
}

/** Writes records as they come, to pcap or (several link types or captures) pcapng. */
class CaptureWriter {
  private readonly buf = new Uint8Array(1 << 20);
  private readonly dv = new DataView(this.buf.buffer);
  private used = 0;
  packets = 0;
  bytes = 0;

  constructor(
    private readonly fd: number,
    /** pcapng interface id per (capture, interface index); null for a classic pcap. */
    private readonly ids: Map<string, number> | null,
    private readonly nano: boolean,
  ) {}

  static open(output: string, captures: { idx: number; record: CaptureRecord }[]): CaptureWriter {
    const interfaces = captures.flatMap((c) => c.record.interfaces.map((i) => ({ capture: c.idx, ...i })));
    const linkTypes = new Set(interfaces.map((i) => i.linkType));
    const nano = interfaces.some((i) => i.timePrecision > 6);
    const fd = fs.openSync(output, 'w');
    if (captures.length === 1 && linkTypes.size === 1) {
      const w = new CaptureWriter(fd, null, nano);
      w.used = writePcapFileHeader(w.dv, 0, { le: true, nano, snaplen: Math.max(262144, ...interfaces.map((i) => i.snaplen)), linkType: [...linkTypes][0] });
      return w;
    }
    const ids = new Map<string, number>();
    const w = new CaptureWriter(fd, ids, nano);
    w.used = writePcapngSectionHeader(w.dv, 0, true);
    interfaces.forEach((i, n) => {
      ids.set(`${i.capture}/${i.index}`, n);
      w.used += writePcapngInterface(w.dv, w.used, true, { linkType: i.linkType, snaplen: i.snaplen, name: `capture ${i.capture + 1} ${i.name ?? `interface ${i.index}`}`, tsresol: nano ? 9 : 6 });
    });
    return w;
  }

  write(capture: number, iface: CaptureInterface, data: Uint8Array, off: number, capLen: number, origLen: number, sec: number, nsec: number): void {
    const room = Math.max(PCAP_RECORD_HEADER_BYTES, PCAPNG_EPB_OVERHEAD) + capLen + 4;
    if (this.used + room > this.buf.length) this.flush();
    if (this.ids === null) {
      this.used += writePcapRecordHeader(this.dv, this.used, true, sec, this.nano ? nsec : Math.floor(nsec / 1000), capLen, origLen);
      this.buf.set(data.subarray(off, off + capLen), this.used);
      this.used += capLen;
    } else {
      this.buf.set(data.subarray(off, off + capLen), this.used + 28);
      const [hi, lo] = pcapngTimestamp(sec, nsec, this.nano ? 9 : 6);
      this.used += writePcapngPacketHeader(this.dv, this.used, true, this.ids.get(`${capture}/${iface.index}`)!, hi, lo, capLen, origLen);
    }
    this.packets++;
    this.bytes += origLen;
  }

  flush(): void {
    fs.writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/**
 * Re-reads a capture and keeps the records of the target flows: those in the flows' file extents,
 * with their 5-tuple (either direction) and within their time span (a port reused later is
 * another flow), and later IP fragments of their datagrams.
 */
class CarveSink implements RecordSink {
  private readonly packet = new DecodedPacket();
  private readonly decoders: (LayerDecoder | null)[] = [];
  /** "src>dst#id" of carved datagrams with more fragments to come (fragments are rare: text is fine). */
  private readonly fragments = new Set<string>();

  constructor(
    private readonly capture: number,
    private readonly targets: Target[],
    private readonly writer: CaptureWriter,
  ) {}

  interface(info: CaptureInterface): void {
    this.decoders[info.index] = linkDecoder(info.linkType);
  }
  opaque(): void {}
  warning(): void {}
  drops(): void {}

  frame(buf: Uint8Array, off: number, capLen: number, origLen: number, sec: number, nsec: number, iface: CaptureInterface, recordOffset: number): void {
    let candidate = false;
    for (const t of this.targets) if (inExtents(t, recordOffset)) candidate = true;
    if (!candidate) return;
    const decode = this.decoders[iface.index];
    if (!decode) return;
    const p = this.packet;
    p.reset(buf, off, capLen, origLen);
    decode(p, buf, off);
    if (p.ipOff < 0) return;
    const at = Math.max(0, nsec);
    let match = false;
    if (p.l4 !== 0) {
      const version = p.ipVersion === 4 ? 4 : 6;
      for (const t of this.targets) {
        if (t.protocol !== p.l4 || t.version !== version || !inExtents(t, recordOffset) || !inTime(t, sec, at)) continue;
        const forward = p.srcPort === t.clientPort && p.dstPort === t.serverPort && addressIs(p.dv, p.srcAddrOff, version, t.client) && addressIs(p.dv, p.dstAddrOff, version, t.server);
        const reverse = !forward && p.srcPort === t.serverPort && p.dstPort === t.clientPort && addressIs(p.dv, p.srcAddrOff, version, t.server) && addressIs(p.dv, p.dstAddrOff, version, t.client);
        if (forward || reverse) {
          match = true;
          break;
        }
      }
      if (match && p.moreFragments) this.fragments.add(this.fragmentKey(buf, p));
    } else if (p.fragOffset > 0) {
      match = this.fragments.has(this.fragmentKey(buf, p));
    }
    if (match) this.writer.write(this.capture, iface, buf, off, capLen, origLen, sec, at);
  }

  private fragmentKey(buf: Uint8Array, p: DecodedPacket): string {
    const at = p.ipVersion === 4 ? ipv4At : ipv6At;
    return `${at(buf, p.srcAddrOff)}>${at(buf, p.dstAddrOff)}#${p.ipId}`;
  }
}

/**
 * `vmkscope carve`: the packets of a flow (or of every flow a finding names), as captured, to a
 * pcap Wireshark and tshark open. The capture must be the one analysed: its SHA-256 is checked on
 * the same pass; a capture that moved can be given its new place, which the store then remembers.
 */
export async function carveFlows(store: AnalysisStore, req: CarveRequest): Promise<CarveResult> {
  let flowIds: string[];
  if (req.flowId !== undefined) flowIds = [req.flowId];
  else if (req.findingId !== undefined) {
    const finding = store.findings(req.analysisId).find((f) => f.id === req.findingId);
    if (!finding) throw new StoreError(`analysis ${req.analysisId} has no finding ${req.findingId}`);
    if (finding.flows.length === 0) throw new StoreError(`finding ${req.findingId} names no flow: it is about the configuration or the capture as a whole`);
    flowIds = finding.flows;
  } else throw new StoreError('carve needs a flow or a finding');
  const flows = flowIds.map((id) => store.flow(req.analysisId, id));
  const byCapture = new Map<number, FlowRecord[]>();
  for (const f of flows) byCapture.set(f.capture, [...(byCapture.get(f.capture) ?? []), f]);
  const captures = [...byCapture.keys()].sort((a, b) => a - b).map((idx) => ({ idx, ...store.capture(req.analysisId, idx) }));
  if (req.capturePath !== undefined && captures.length !== 1) throw new StoreError('a new capture path can be given only when the flows come from one capture');
  for (const c of captures) {
    const moved = req.capturePath ?? null;
    if (moved === null && !fs.existsSync(c.file)) {
      throw new StoreError(`capture ${c.idx + 1} of analysis ${req.analysisId} was read from ${c.file}, which no longer exists (SHA-256 ${c.sha256}): give its new place with --capture FILE`);
    }
    if (moved !== null) c.file = moved;
  }
  const writer = CaptureWriter.open(req.output, captures);
  try {
    for (const c of captures) {
      const targets = byCapture.get(c.idx)!.map(target);
      const facts = await readCapture(c.file, () => new CarveSink(c.idx, targets, writer), { hash: c.sha256 !== null });
      if (c.sha256 !== null && facts.sha256 !== c.sha256) {
        throw new StoreError(`${c.file} is not the capture analysed: its SHA-256 is ${facts.sha256}, the analysis read ${c.sha256}`);
      }
      if (c.file !== store.capture(req.analysisId, c.idx).file) store.relocate(req.analysisId, c.idx, c.file);
    }
    writer.close();
  } catch (err) {
    writer.close();
    fs.rmSync(req.output, { force: true });
    throw err;
  }
  return { output: req.output, packets: writer.packets, bytes: writer.bytes, flows: flowIds };
}

