import { pcapngTimestamp, writePcapFileHeader, writePcapngInterface, writePcapngPacketHeader, writePcapngSectionHeader, writePcapngStatistics, writePcapRecordHeader } from '../capture/writer.js';
import { scenarioActivities, type ScenarioName } from './scenario.js';
import type { Activity, Spawn, SynthPacket } from './sessions.js';
import { Prng } from './prng.js';
import { ErspanEncapsulator } from './erspan.js';
import { COLLECTOR, buildHosts, vmkOf } from './topology.js';

export interface GeneratorOptions {
  scenario: ScenarioName;
  /** Stop after this many packets and/or this many bytes of capture file (whichever first). */
  packets?: number;
  bytes?: number;
  format: 'pcap' | 'pcapng';
  nanosecond: boolean;
  bigEndian: boolean;
  /** Tag frames with their VLAN (a trunk uplink view). */
  vlan: boolean;
  /** Wrap every frame as an ERSPAN type I, II or III copy sent to a collector (0 = plain). */
  erspan: 0 | 1 | 2 | 3;
  /** Captured bytes per record (0 = whole frames). */
  snaplen: number;
  /** Fraction of packets the capture misses (they still advance TCP sequence numbers). */
  loss: number;
  seed: number;
  hosts: number;
  scale: number;
  flows: number;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  scenario: 'esxi-mix',
  format: 'pcap',
  nanosecond: false,
  bigEndian: false,
  vlan: false,
  erspan: 0,
  snaplen: 0,
  loss: 0,
  seed: 1,
  hosts: 4,
  scale: 1,
  flows: 1024,
};

/** 2026-01-15T10:00:00Z: generated captures start here. */
export const GENERATED_START_SEC = 1768471200;
const ERSPAN_SESSION = 42;
/** Largest record we write: jumbo frame + VLAN + outer ERSPAN III headers + record header. */
const MAX_RECORD = 9018 + 14 + 20 + 8 + 12 + 32;
/** `fill` needs at least this much room. */
export const MIN_FILL_BYTES = 64 * 1024;

/** A binary heap of activities by the time of their next event. */
class ActivityQueue {
  private readonly at: number[] = [];
  private readonly items: { gen: Activity; event: SynthPacket | Spawn }[] = [];

  get size(): number {
    return this.at.length;
  }

  push(gen: Activity): void {
    const r = gen.next();
    if (r.done) return;
    const event = r.value;
    this.at.push(event.at);
    this.items.push({ gen, event });
    this.up(this.at.length - 1);
  }

  /**
   * The earliest event. Activities reuse one event object, so consume it before `advance`.
   */
  top(): SynthPacket | Spawn {
    return this.items[0].event;
  }

  /** Pull the next event of the earliest activity and re-queue it (or drop it when done). */
  advance(): void {
    const top = this.items[0];
    const r = top.gen.next();
    if (r.done) {
      const lastAt = this.at.pop()!;
      const last = this.items.pop()!;
      if (this.at.length > 0) {
        this.at[0] = lastAt;
        this.items[0] = last;
        this.down(0);
      }
    } else {
      this.at[0] = r.value.at;
      top.event = r.value;
      this.down(0);
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent] <= this.at[i]) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.at.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.at[l] < this.at[m]) m = l;
      if (r < n && this.at[r] < this.at[m]) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    [this.at[a], this.at[b]] = [this.at[b], this.at[a]];
    [this.items[a], this.items[b]] = [this.items[b], this.items[a]];
  }
}

/**
 * Writes a deterministic capture of a scenario, chunk by chunk, so it can stream any size to a
 * file or a pipe: call `fill` until it returns 0.
 */
export class CaptureGenerator {
  packets = 0;
  /** Bytes of capture file written. */
  bytes = 0;
  /** Sum of the records' original lengths (Wireshark frame.len). */
  frameBytes = 0;
  /** Sum of the mirrored frames' lengths: what vmkscope charges to flows for ERSPAN copies. */
  innerFrameBytes = 0;
  /** Packets the simulated capture missed (--loss). */
  lost = 0;
  private readonly o: GeneratorOptions;
  private readonly queue = new ActivityQueue();
  private readonly lossRng: Prng;
  private readonly erspan: ErspanEncapsulator | null;
  private started = false;
  private finished = false;
  private dv: DataView | null = null;
  private dvBuf: Uint8Array | null = null;

  constructor(options: Partial<GeneratorOptions>) {
    this.o = { ...DEFAULT_GENERATOR_OPTIONS, ...options };
    for (const a of scenarioActivities(this.o.scenario, this.o)) this.queue.push(a);
    this.lossRng = new Prng(this.o.seed ^ 0x5eed);
    this.erspan = this.o.erspan === 0 ? null : mirrorSession(this.o.erspan);
  }

  /** Write whole records into `out`; returns bytes written, 0 when the capture is complete. */
  fill(out: Uint8Array): number {
    if (out.length < MIN_FILL_BYTES) throw new RangeError(`fill needs at least ${MIN_FILL_BYTES} bytes`);
    if (this.finished) return 0;
    if (out !== this.dvBuf) {
      this.dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      this.dvBuf = out;
    }
    let off = 0;
    if (!this.started) {
      off = this.fileHeader();
      this.started = true;
    }
    const limitPackets = this.o.packets ?? Infinity;
    const limitBytes = this.o.bytes ?? Infinity;
    while (off + MAX_RECORD <= out.length) {
      if (this.packets >= limitPackets || this.bytes + off >= limitBytes || this.queue.size === 0) {
        off += this.trailer(out, off);
        this.finished = true;
        break;
      }
      const event = this.queue.top();
      if (!('template' in event)) {
        const spawned = event.spawn;
        this.queue.advance();
        this.queue.push(spawned);
        continue;
      }
      if (this.o.loss > 0 && this.lossRng.next() < this.o.loss) this.lost++;
      else {
        off += this.record(out, off, event);
        this.packets++;
      }
      this.queue.advance();
    }
    this.bytes += off;
    return off;
  }

  private fileHeader(): number {
    const dv = this.dv!;
    const le = !this.o.bigEndian;
    const snaplen = this.o.snaplen > 0 ? this.o.snaplen : 262144;
    if (this.o.format === 'pcap') return writePcapFileHeader(dv, 0, { le, nano: this.o.nanosecond, snaplen, linkType: 1 });
    const shb = writePcapngSectionHeader(dv, 0, le);
    return shb + writePcapngInterface(dv, shb, le, { linkType: 1, snaplen, name: 'vmnic0', tsresol: this.o.nanosecond ? 9 : 6 });
  }

  /** pcapng ends with an Interface Statistics Block: the drops a lossy capture would report. */
  private trailer(_out: Uint8Array, off: number): number {
    if (this.o.format !== 'pcapng') return 0;
    return writePcapngStatistics(this.dv!, off, !this.o.bigEndian, 0, 0, 0, { ifRecv: null, ifDrop: this.lost, osDrop: null });
  }

  private record(out: Uint8Array, off: number, pkt: SynthPacket): number {
    const ng = this.o.format === 'pcapng';
    const hdr = ng ? 28 : 16;
    const outerLen = this.erspan === null ? 0 : this.erspan.overhead;
    const frameOff = off + hdr + outerLen;
    const tsval = Math.floor(pkt.at / 1e6);
    const frameLen = pkt.template.write(out, frameOff, pkt.payload, PAYLOAD, pkt.seq, pkt.ack, pkt.flags, tsval);
    let wireLen = frameLen;
    if (this.erspan !== null) {
      this.erspan.wrap(out, off + hdr, frameLen, Math.floor(pkt.at / 100) % 4294967296);
      wireLen += outerLen;
    }
    this.frameBytes += wireLen;
    this.innerFrameBytes += frameLen;
    const capLen = this.o.snaplen > 0 ? Math.min(wireLen, this.o.snaplen) : wireLen;
    const sec = GENERATED_START_SEC + Math.floor(pkt.at / 1e9);
    const nsec = Math.floor(pkt.at % 1e9);
    const dv = this.dv!;
    const le = !this.o.bigEndian;
    if (!ng) return writePcapRecordHeader(dv, off, le, sec, this.o.nanosecond ? nsec : Math.floor(nsec / 1000), capLen, wireLen) + capLen;
    const [hi, lo] = pcapngTimestamp(sec, nsec, this.o.nanosecond ? 9 : 6);
    return writePcapngPacketHeader(dv, off, le, 0, hi, lo, capLen, wireLen);
  }
}

/** Payload bytes of every generated segment: a fixed pseudo-random block (contents are opaque, as encrypted vMotion is). */
const PAYLOAD = (() => {
  const rng = new Prng(0x9e3779b9);
  const b = new Uint8Array(9000);
  for (let i = 0; i < b.length; i++) b[i] = rng.int(0, 255);
  return b;
})();

/** The mirroring host (esx01's management vmk) sends copies to the collector. */
function mirrorSession(type: 1 | 2 | 3): ErspanEncapsulator {
  const mirror = vmkOf(buildHosts(2)[0], 'management');
  return new ErspanEncapsulator({ type, session: ERSPAN_SESSION, srcMac: mirror.mac, srcIp: mirror.ip, dstMac: COLLECTOR.mac, dstIp: COLLECTOR.ip });
}
