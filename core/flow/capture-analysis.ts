import type { CaptureInterface, RecordSink } from '../capture/record-sink.js';
import { linkDecoder } from '../decode/dispatch.js';
import { DecodedPacket, MAX_NESTED_HEADERS, type LayerDecoder, type LayerTrace } from '../decode/packet.js';
import { ipv4FromWord, macFromParts } from '../net/address.js';
import type { Flow } from './flow.js';
import { FlowStore } from './flow-store.js';
import { FlowTable } from './flow-table.js';
import { FragmentTracker } from './fragments.js';

/** An IPv4 address seen as the sender of ARP (who answers for it, at which MAC). */
export interface ArpSender {
  ip: string;
  macs: string[];
  packets: number;
  firstFrame: number;
}

/** A RARP frame: after a vMotion switch-over the destination host announces the VM's MAC. */
export interface RarpAnnouncement {
  mac: string;
  frame: number;
  sec: number;
  nsec: number;
}

export interface InterfaceDrops {
  iface: CaptureInterface;
  ifDrop: number | null;
  osDrop: number | null;
}

/**
 * Where evicted flows wait until the report reads them back, by id (native/sources/flow-spill.ts
 * keeps them in a temporary file).
 */
export interface FlowSpill {
  /** Keep flow `id`'s bytes (FlowStore's row format); `row` is reused after the call. */
  put(id: number, row: Uint8Array): void;
  get(id: number): Uint8Array;
}

export interface CaptureAnalysisOptions {
  trace?: LayerTrace | null;
  /** Flows kept in rows at once; beyond it the quietest quarter goes to `spill`. */
  maxLiveFlows?: number;
  spill?: FlowSpill | null;
}

const MAX_ARP_SENDERS = 4096;
const MAX_RARP = 1024;
const MAX_WARNINGS = 100;

/**
 * Everything one pass over one capture learns: frame counters, the flow table, ARP/RARP
 * sightings. It is the RecordSink the container readers feed; each frame is decoded once into
 * a reused DecodedPacket and charged to its flow.
 */
export class CaptureAnalysis implements RecordSink {
  readonly packet = new DecodedPacket();
  readonly flowStore = new FlowStore();
  readonly flowTable = new FlowTable(this.flowStore);
  readonly fragments = new FragmentTracker();
  readonly interfaces: CaptureInterface[] = [];
  readonly warnings: string[] = [];
  readonly interfaceDrops: InterfaceDrops[] = [];
  readonly arpSenders = new Map<number, ArpSender>();
  readonly rarp: RarpAnnouncement[] = [];
  frames = 0;
  /** Sum of frame.len (original lengths) of every record. */
  bytes = 0;
  /** Sum of captured lengths. */
  capturedBytes = 0;
  firstSec = -1;
  firstNsec = 0;
  lastSec = -1;
  lastNsec = 0;
  /** Records with fewer bytes captured than were on the wire (snaplen). */
  slicedFrames = 0;
  firstSlicedFrame = 0;
  smallestCapLen = Infinity;
  /** Records of a link type we do not decode. */
  undecodedFrames = 0;
  /** Decoded frames that belong to no TCP/UDP flow (ARP, ICMP, non-IP...). */
  nonFlowFrames = 0;
  nonFlowBytes = 0;
  /** Later IP fragments whose first fragment was not seen. */
  unattributedFragments = 0;
  /** Frames whose timestamp is earlier than the frame before them. */
  outOfOrderFrames = 0;
  /** Records without a timestamp (pcapng Simple Packet Blocks). */
  untimedFrames = 0;
  /** pcapng Custom Blocks: numbered as frames (as Wireshark does), holding no packet. */
  customBlocks = 0;
  /** Index of the flow the last frame was charged to, -1 if none (for packet inspection). */
  lastFlowIndex = -1;
  /** Flows moved to the spill to bound memory, and how many of them were still going. */
  evictedFlows = 0;
  evictedActiveFlows = 0;
  private decoders: (LayerDecoder | null)[] = [];
  private suppressedWarnings = 0;
  private warnedTooDeep = false;
  private readonly maxLiveFlows: number;
  private readonly spill: FlowSpill | null;

  constructor(options: CaptureAnalysisOptions = {}) {
    this.packet.trace = options.trace ?? null;
    this.spill = options.spill ?? null;
    this.maxLiveFlows = this.spill === null ? Infinity : Math.max(16, options.maxLiveFlows ?? Infinity);
  }

  /** Snapshots of every flow, in order of first packet, one at a time (evicted ones from the spill). */
  *flows(): Generator<Flow> {
    const store = this.flowStore;
    for (let id = 0; id < store.count; id++) yield store.isLive(id) ? store.snapshot(id) : store.snapshotOf(id, this.spill!.get(id));
  }

  /** Make room: the quietest quarter of the live flows goes to the spill. */
  private evict(nowSec: number): void {
    const n = Math.ceil(this.maxLiveFlows / 4);
    const spill = this.spill!;
    const active = this.flowStore.evictQuietest(n, nowSec, (id, row) => spill.put(id, row));
    this.flowTable.dropEvicted();
    this.evictedFlows += n;
    if (active > 0 && this.evictedActiveFlows === 0) {
      this.warning(`more than ${this.maxLiveFlows} flows at once: the quietest were moved out of memory, ${active} of them still going; a later packet of such a flow starts a new flow (raise --max-live-flows to keep more)`);
    }
    this.evictedActiveFlows += active;
  }

  get timeDigits(): number {
    let digits = 0;
    for (const i of this.interfaces) digits = Math.max(digits, i.timeDigits);
    return digits;
  }

  interface(info: CaptureInterface): void {
    this.interfaces.push(info);
    const decoder = linkDecoder(info.linkType);
    this.decoders[info.index] = decoder;
    if (decoder === null) {
      this.warning(`interface ${info.index} has link type ${info.linkType}, which vmkscope does not decode: its frames are counted but belong to no flow`);
    }
  }

  warning(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.suppressedWarnings++;
  }

  /** Warnings including a count of those beyond the cap. */
  allWarnings(): string[] {
    if (this.suppressedWarnings === 0) return this.warnings.slice();
    return [...this.warnings, `${this.suppressedWarnings} more warnings not shown`];
  }

  opaque(_length: number, _recordOffset: number): void {
    this.frames++;
    this.customBlocks++;
  }

  drops(iface: CaptureInterface, ifDrop: number | null, osDrop: number | null): void {
    const known = this.interfaceDrops.find((d) => d.iface === iface);
    // Statistics blocks are cumulative: the last one of an interface holds its totals.
    if (known) {
      known.ifDrop = ifDrop ?? known.ifDrop;
      known.osDrop = osDrop ?? known.osDrop;
    } else this.interfaceDrops.push({ iface, ifDrop, osDrop });
  }

  frame(
    buf: Uint8Array,
    off: number,
    capLen: number,
    origLen: number,
    sec: number,
    nsec: number,
    iface: CaptureInterface,
    recordOffset: number,
  ): void {
    const frame = ++this.frames;
    this.bytes += origLen;
    this.capturedBytes += capLen;
    if (capLen < origLen) this.sliced(frame, capLen);
    const timed = nsec >= 0;
    if (!timed) {
      // pcapng Simple Packet Block: no timestamp of its own; it takes the previous packet's.
      this.untimedFrames++;
      sec = this.lastSec < 0 ? 0 : this.lastSec;
      nsec = this.lastNsec;
    } else if (this.firstSec < 0) {
      this.firstSec = sec;
      this.firstNsec = nsec;
    } else if (sec < this.lastSec || (sec === this.lastSec && nsec < this.lastNsec)) {
      this.outOfOrderFrames++;
      // The capture spans its earliest to its latest packet (as its end is the latest).
      if (sec < this.firstSec || (sec === this.firstSec && nsec < this.firstNsec)) {
        this.firstSec = sec;
        this.firstNsec = nsec;
      }
    }
    // Only a packet's own timestamp moves the capture's end: one made only of packets without
    // timestamps has neither start nor end (not 1970-01-01).
    if (timed && (this.lastSec < sec || (this.lastSec === sec && this.lastNsec < nsec))) {
      this.lastSec = sec;
      this.lastNsec = nsec;
    }
    const decode = this.decoders[iface.index];
    if (decode === null) {
      this.undecodedFrames++;
      this.lastFlowIndex = -1;
      return;
    }
    const p = this.packet;
    p.reset(buf, off, capLen, origLen);
    decode(p, buf, off);
    if (p.tooDeep && !this.warnedTooDeep) {
      this.warnedTooDeep = true;
      this.warning(`frame ${frame} nests more than ${MAX_NESTED_HEADERS} headers (VLAN tags, IP in IP, GRE, extension headers): it and any like it are decoded no deeper, counted but in no flow`);
    }
    this.lastFlowIndex = -1;
    if (p.l4 !== 0) {
      if (this.flowStore.live >= this.maxLiveFlows) this.evict(sec);
      const table = this.flowTable;
      const f = table.lookup(p, sec, nsec, timed, frame, recordOffset);
      this.flowStore.observe(f, table.fromA, p, sec, nsec, timed, frame, recordOffset);
      this.lastFlowIndex = f;
      if (p.moreFragments) this.fragments.remember(p, f, table.fromA, sec);
    } else if (p.fragOffset > 0) {
      const f = this.fragments.find(p, sec);
      if (f < 0 || !this.flowStore.isLive(f)) {
        this.unattributedFragments++;
        this.nonFlow(p);
      } else {
        p.payloadLen = p.ipPayloadLen;
        this.flowStore.observe(f, this.fragments.foundFromA, p, sec, nsec, timed, frame, recordOffset);
        this.lastFlowIndex = f;
      }
    } else {
      this.nonFlow(p);
      if (p.arpOff >= 0) this.arp(p, frame, sec, nsec);
    }
  }

  private nonFlow(p: DecodedPacket): void {
    this.nonFlowFrames++;
    this.nonFlowBytes += p.wireLen;
  }

  private sliced(frame: number, capLen: number): void {
    if (this.slicedFrames++ === 0) this.firstSlicedFrame = frame;
    if (capLen < this.smallestCapLen) this.smallestCapLen = capLen;
  }

  private arp(p: DecodedPacket, frame: number, sec: number, nsec: number): void {
    const a = p.arpOff;
    const mac = macFromParts(p.dv.getUint16(a + 8), p.dv.getUint32(a + 10));
    if (p.arpEtherType === 0x8035) {
      if (this.rarp.length < MAX_RARP) this.rarp.push({ mac, frame, sec, nsec });
      return;
    }
    const ip = p.dv.getUint32(a + 14);
    if (ip === 0) return; // ARP probe (RFC 5227): no sender address yet
    let sender = this.arpSenders.get(ip);
    if (sender === undefined) {
      if (this.arpSenders.size >= MAX_ARP_SENDERS) return;
      sender = { ip: ipv4FromWord(ip), macs: [], packets: 0, firstFrame: frame };
      this.arpSenders.set(ip, sender);
    }
    sender.packets++;
    if (!sender.macs.includes(mac) && sender.macs.length < 8) sender.macs.push(mac);
  }
}
