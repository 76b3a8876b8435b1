/**
 * The report contract (docs/report-contract.md, schemaVersion 1). Fields may be added, never
 * renamed or removed without bumping the schema version; additions are documented in
 * docs/report.md.
 */
import type { Inventory } from './inventory.js';

export const SCHEMA_VERSION = 1;

/** Flow classes (report contract). */
export const FLOW_CLASSES = [
  'vmotion',
  'nfc',
  'udt-data',
  'udt-control',
  'heartbeat',
  'management',
  'vsan',
  'nfs',
  'iscsi',
  'nvme-tcp',
  'ft',
  'ha',
  'replication',
  'other',
] as const;
export type FlowClass = (typeof FLOW_CLASSES)[number];

export interface ToolInfo {
  name: 'vmkscope';
  version: string;
}

export interface InterfaceRecord {
  index: number;
  section: number;
  idInSection: number;
  linkType: number;
  linkTypeName: string | null;
  snaplen: number;
  name: string | null;
  /** Fractional digits of its timestamps (6 = µs, 9 = ns). */
  timePrecision: number;
}

export interface CaptureRecord {
  file: string;
  format: 'pcap' | 'pcapng';
  compression: 'none' | 'gzip';
  linkTypes: number[];
  packets: number;
  /** Sum of frame.len of every record. */
  bytes: number;
  start: string | null;
  end: string | null;
  sha256: string | null;
  warnings: string[];
  // additions to the contract
  /** Bytes of the file as stored (compressed size for gzip). */
  size: number;
  /** Sum of captured lengths (less than `bytes` where a snaplen sliced records). */
  capturedBytes: number;
  interfaces: InterfaceRecord[];
  drops: { interface: number; ifDrop: number | null; osDrop: number | null }[];
  slicedFrames: number;
  firstSlicedFrame: number | null;
  smallestCapturedLength: number | null;
  undecodedFrames: number;
  nonFlowFrames: number;
  unattributedFragments: number;
  outOfOrderFrames: number;
  /** Records without a timestamp (pcapng Simple Packet Blocks): they take the previous packet's time. */
  untimedFrames: number;
  /** pcapng Custom Blocks, numbered as frames as Wireshark does; they hold no packet. */
  customBlocks: number;
  arp: { ip: string; macs: string[]; packets: number; firstFrame: number }[];
  rarp: { mac: string; frame: number; time: string }[];
}

export interface EndpointRecord {
  ip: string;
  port: number;
  host: string | null;
  vmk: string | null;
  mac: string | null;
}

export interface MacPairRecord {
  src: string;
  dst: string | null;
  packets: number;
  firstFrame: number;
}

/** Traffic one end sent. */
export interface DirectionRecord {
  packets: number;
  bytes: number;
  payloadBytes: number;
  /** TCP: sequence space covered from the first segment seen; null for UDP. */
  seqBytes: number | null;
  retransmittedBytes: number | null;
  start: string | null;
  end: string | null;
  firstFrame: number | null;
  lastFrame: number | null;
  macs: MacPairRecord[];
  /** Packets whose MAC pair was not recorded (more than four distinct pairs). */
  otherMacPackets: number;
  vlans: number[];
  untaggedPackets: number;
  ttl: { min: number; max: number; minFrame: number; maxFrame: number } | null;
  tcpFlags: string[];
  /** Packets whose transport header the snaplen cut (counted; tshark's Conversations omit them). */
  headerCutPackets: number;
  /** Packets identical to one just before them in this direction: the same frame captured twice. */
  duplicatePackets: number;
}

export type ClientBasis = 'syn' | 'syn-ack' | 'service-port' | 'lower-port' | 'first-packet';

export interface EncapsulationRecord {
  kind: 'erspan1' | 'erspan2' | 'erspan3' | 'gre';
  session: number | null;
  outer: { src: string | null; dst: string | null; srcMac: string | null; dstMac: string | null };
  packets: number;
}

export interface FlowRecord {
  id: string;
  protocol: 'tcp' | 'udp';
  client: EndpointRecord;
  server: EndpointRecord;
  packets: number;
  bytes: number;
  clientBytes: number;
  serverBytes: number;
  payloadBytes: number;
  start: string;
  end: string;
  class: FlowClass;
  /** Why the flow has its class, in words (port table, endpoints' roles, UDT conditions). */
  classBasis: string;
  vlans: number[];
  encapsulation: EncapsulationRecord | null;
  path: { routed: boolean | null; gateway: string | null; evidence: string[] };
  // additions to the contract
  capture: number;
  clientBasis: ClientBasis;
  durationSeconds: number;
  directions: { clientToServer: DirectionRecord; serverToClient: DirectionRecord };
  frames: { first: number; last: number; samples: number[]; syn: number | null; fin: number | null; rst: number | null };
  fileOffsets: { first: number; last: number; extents: [number, number][] };
  timeline: { start: string; bucketSeconds: number; clientToServer: number[]; serverToClient: number[] };
}

export interface MigrationRecord {
  id: string;
  kind: 'vmotion' | 'cold' | 'udt';
  /** Host names, or the address where the inventory does not know the end. */
  sourceHost: string | null;
  destHost: string | null;
  start: string;
  end: string;
  /** Frame bytes of its flows, both directions (a connection seen in two captures counted once). */
  bytes: number;
  /** TCP connections carrying its data (UDT: the 8000 data connections). */
  streams: number;
  flows: string[];
  // additions to the contract
  /** `host/vmk` (or address) of each end's vmks. */
  sourceVmks: string[];
  destVmks: string[];
  /** Frame bytes sent source to destination. */
  dataBytes: number;
  durationSeconds: number;
  /** dataBytes * 8 / duration, null for an instant. */
  throughputBitsPerSecond: number | null;
  /** Source-to-destination frame bytes per bucket, for throughput charts. */
  timeline: { start: string; bucketSeconds: number; sourceToDest: number[] };
}

export type FindingStatus = 'pass' | 'fail' | 'warn' | 'info';
export type FindingCategory =
  | 'hot-path'
  | 'cold-path'
  | 'udt'
  | 'gateway'
  | 'unknown-endpoint'
  | 'asymmetric-path'
  | 'configuration'
  | 'capture-quality';

export interface EvidenceRecord {
  kind: string;
  text: string;
  /** 1-based frame numbers, as Wireshark numbers them, in capture `capture`. */
  frames: number[];
  // addition: which capture the frames are in (index into captures)
  capture: number | null;
}

export interface FindingRecord {
  id: string;
  rule: string;
  category: FindingCategory;
  status: FindingStatus;
  title: string;
  detail: string;
  flows: string[];
  evidence: EvidenceRecord[];
}

export interface AnalysisReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: ToolInfo;
  captures: CaptureRecord[];
  flows: FlowRecord[];
  migrations: MigrationRecord[];
  findings: FindingRecord[];
  summary: { pass: number; fail: number; warn: number; info: number };
  // addition: the inventory the verdicts rest on (inferred from the capture when none was given)
  inventory: Inventory | null;
}

/**
 * A report without its flows, which stream (a capture can hold millions), and with their count.
 * Everything in it is decided before the first flow is written.
 */
export type ReportHead = Omit<AnalysisReport, 'flows'> & { flowCount: number };

/** The number in a flow id (f12 -> 12), or null when `id` is not one. */
export function flowNumber(id: string): number | null {
  const n = /^f(\d+)$/.exec(id);
  return n ? Number(n[1]) : null;
}

/** The report whole, its keys in the contract's order. */
export function withFlows(head: ReportHead, flows: FlowRecord[]): AnalysisReport {
  return {
    schemaVersion: head.schemaVersion,
    tool: head.tool,
    captures: head.captures,
    flows,
    migrations: head.migrations,
    findings: head.findings,
    summary: head.summary,
    inventory: head.inventory,
  };
}
