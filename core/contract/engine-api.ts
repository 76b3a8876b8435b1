/**
 * The one typed interface the engine offers, reached in-process (CLI, tests), from the Electron
 * renderer through the preload, and from a browser through the browser-mode server. The name
 * lists below are the single source the preload, the IPC router and the server are built from,
 * so no channel string is typed twice.
 */
import type { Inventory, InventoryProblem } from './inventory.js';
import type { CaptureRecord, FindingRecord, FindingStatus, FlowClass, FlowRecord, MigrationRecord, ReportHead } from './report.js';

export const ENGINE_OPERATIONS = [
  'analyze',
  'listAnalyses',
  'getAnalysis',
  'deleteAnalysis',
  'queryFlows',
  'getFlow',
  'trafficMatrix',
  'timeline',
  'carve',
  'exportReport',
  'importInventory',
  'openSample',
  'listInterfaces',
  'startCapture',
  'stopCapture',
] as const;
export type EngineOperation = (typeof ENGINE_OPERATIONS)[number];

export const ENGINE_EVENTS = ['progress', 'warning', 'analysisChanged'] as const;
export type EngineEvent = (typeof ENGINE_EVENTS)[number];

export interface AnalyzeRequest {
  /** Capture files (or `-` for standard input); several captures are one analysis. */
  captures: string[];
  /** Compute the SHA-256 of each capture as stored (always on when the analysis is stored). */
  hash?: boolean;
  /** Inventory files: canonical YAML/JSON or raw esxcli, esxcfg-vmknic, govc, PowerCLI output. */
  inventory?: string[];
  /** Inventory given as text (pasted in the UI), besides or instead of files. */
  inventoryText?: { name: string; text: string }[];
  /** A policy file (docs/rules.md, "Policy"). */
  policy?: string;
  /** Keep the analysis in the store (the app and `serve` always do; the CLI with --db). */
  store?: boolean;
}

/** Reading progress, per capture, as bytes read of the file size. */
export interface AnalyzeProgress {
  /** The stored analysis this progress belongs to, when the analysis is stored. */
  analysisId?: number;
  capture: number;
  captures: number;
  file: string;
  /** Bytes of the file read so far (compressed bytes for gzip). */
  bytesRead: number;
  /** File size, or null for pipes and standard input. */
  totalBytes: number | null;
  /** Frames read so far in this capture. */
  frames: number;
}

export type AnalysisStatus = 'running' | 'complete' | 'failed' | 'interrupted';

/** A stored analysis, as lists show it. */
export interface AnalysisSummary {
  id: number;
  createdAt: string;
  finishedAt: string | null;
  status: AnalysisStatus;
  /** The capture files as given. */
  inputs: string[];
  toolVersion: string;
  summary: { pass: number; fail: number; warn: number; info: number };
  packets: number;
  bytes: number;
  flowCount: number;
  migrationCount: number;
  error: string | null;
}

/** A stored analysis with everything but its flows (those are paged). */
export interface AnalysisDetail extends AnalysisSummary {
  captures: CaptureRecord[];
  migrations: MigrationRecord[];
  findings: FindingRecord[];
  inventory: Inventory | null;
  policy: unknown;
}

export type FlowSortKey = 'bytes' | 'packets' | 'start' | 'id' | 'duration';

export interface FlowQuery {
  analysisId: number;
  class?: FlowClass[];
  /** Either end's host name (exact). */
  host?: string;
  /** Either end's vmk device, with `host` or alone. */
  vmk?: string;
  /** The worst finding status that names the flow; `none` for flows no finding names. */
  verdict?: (FindingStatus | 'none')[];
  /** Either end's address (exact). */
  ip?: string;
  /** Either end's port. */
  port?: number;
  sort?: FlowSortKey;
  descending?: boolean;
  /** Page size, at most 1000. */
  limit?: number;
  /** The `next` cursor of the previous page (keyset pagination). */
  after?: string;
}

/** A flow as the table shows it. */
export interface FlowRow {
  id: string;
  capture: number;
  protocol: 'tcp' | 'udp';
  client: { ip: string; port: number; host: string | null; vmk: string | null };
  server: { ip: string; port: number; host: string | null; vmk: string | null };
  class: FlowClass;
  packets: number;
  bytes: number;
  start: string;
  end: string;
  durationSeconds: number;
  routed: boolean | null;
  gateway: string | null;
  /** Worst status among findings naming this flow, null if none. */
  verdict: FindingStatus | null;
}

export interface FlowPage {
  rows: FlowRow[];
  /** Cursor of the next page, null on the last. */
  next: string | null;
  /** Flows matching the filter, counted on the first page only (null on later pages). */
  total: number | null;
}

/** Traffic between two vmks (or addresses), by class. */
export interface MatrixCell {
  clientHost: string | null;
  clientVmk: string | null;
  clientIp: string;
  serverHost: string | null;
  serverVmk: string | null;
  serverIp: string;
  class: FlowClass;
  flows: number;
  bytes: number;
  routed: boolean | null;
  verdict: FindingStatus | null;
}

export interface TimelineQuery {
  analysisId: number;
  /** Points wanted per series; buckets are merged to fit. */
  points: number;
  /** One series per class (default) or per vmk pair. */
  groupBy?: 'class' | 'vmkPair';
  /** Epoch seconds; the whole analysis by default. */
  from?: number;
  to?: number;
}

export interface TimelineSeries {
  key: string;
  /** Bucket start times (epoch seconds) and frame bytes per second in each, both directions. */
  t: number[];
  bytesPerSecond: number[];
}

export interface TimelineResult {
  bucketSeconds: number;
  /** At most 24: the largest keys in the range, then one "(the rest)" summing the others. */
  series: TimelineSeries[];
}

export interface CarveRequest {
  analysisId: number;
  flowId?: string;
  findingId?: string;
  /** Where to write the pcap. */
  output: string;
  /** The capture's new place if it moved since the analysis (checked against its SHA-256). */
  capturePath?: string;
}

export interface CarveResult {
  output: string;
  packets: number;
  bytes: number;
  flows: string[];
}

export interface ExportRequest {
  analysisId: number;
  format: 'html' | 'json' | 'csv';
}

export interface ExportResult {
  /** Suggested file name, and the content (CSV: the three tables by file name). */
  filename: string;
  mime: string;
  content: string | Record<string, string>;
}

export interface InventoryImportResult {
  inventory: Inventory;
  yaml: string;
  problems: InventoryProblem[];
  warnings: InventoryProblem[];
}

export interface AnalyzeResult {
  /** The verified report without its flows (they stream to the store and the outputs). */
  head: ReportHead;
  /** The stored analysis (an earlier one when the same captures, inventory and policy were kept before), or null when not stored. */
  analysisId: number | null;
}

/** A network interface live capture can open (libpcap's list, with the OS's up/down state). */
export interface NetworkInterfaceInfo {
  name: string;
  description: string | null;
  /** IPv4 and IPv6 addresses with their prefix length where the netmask is known (198.18.20.11/24). */
  addresses: string[];
  /** Administratively up (IFF_UP), or null where the OS does not say (pseudo-devices such as `any`). */
  up: boolean | null;
  /** The link is operational (carrier present: operstate up), or null where the driver does not say (loopback, pseudo-devices). */
  running: boolean | null;
  loopback: boolean;
}

/**
 * Where a live capture's packets come from (docs/live-capture.md):
 * - `interface`: a local interface through libpcap (a port-mirror or ERSPAN collector NIC);
 * - `ssh`: pktcap-uw on an ESXi host, run over ssh, its pcap stream read from ssh's stdout;
 * - `command`: any program (an argument vector, never a shell string) whose stdout is a capture;
 * - `stdin`: the engine's standard input (the CLI's `-`).
 * The app's transports accept only `interface` and `ssh` (core/contract/validate.ts says why).
 */
export type CaptureSource =
  | { kind: 'interface'; name: string; /** Default true. */ promiscuous?: boolean }
  | { kind: 'ssh'; /** user@host */ target: string; uplink?: string; vmk?: string; /** pktcap-uw --dir: 0 in, 1 out, 2 both (default). */ direction?: 0 | 1 | 2 }
  | { kind: 'command'; argv: string[] }
  | { kind: 'stdin' };

export interface CaptureRequest {
  source: CaptureSource;
  /** BPF filter (libpcap syntax): applied by libpcap, or by pktcap-uw --rcf over ssh. */
  filter?: string;
  /** Bytes kept of each frame (whole frames by default). */
  snaplen?: number;
  /** Stop after this many seconds. */
  durationSeconds?: number;
  /** Stop after this many packets. */
  packets?: number;
  /** Keep a copy of what was captured in this file (pcapng for an interface; the stream's own bytes otherwise). */
  save?: string;
  inventory?: string[];
  inventoryText?: { name: string; text: string }[];
  policy?: string;
  /** Seconds between the rolling updates of the stored analysis (default 2). */
  updateSeconds?: number;
}

export interface CaptureStarted {
  analysisId: number;
  /** What the capture reads: an interface name, or the exact command line it runs (ssh, command). */
  source: string;
  /** The argument vector started for ssh and command sources, null for an interface. */
  argv: string[] | null;
}

export interface EngineEvents {
  progress: AnalyzeProgress;
  /** Something the user should know that does not stop the analysis (an inventory line skipped). */
  warning: string;
  analysisChanged: { analysisId: number; status: AnalysisStatus };
}

export interface EngineApi {
  /** Analyse captures; stored when `store`, and the report returned either way. */
  analyze(request: AnalyzeRequest): Promise<AnalyzeResult>;
  listAnalyses(): Promise<AnalysisSummary[]>;
  getAnalysis(analysisId: number): Promise<AnalysisDetail>;
  deleteAnalysis(analysisId: number): Promise<void>;
  queryFlows(query: FlowQuery): Promise<FlowPage>;
  getFlow(analysisId: number, flowId: string): Promise<FlowRecord>;
  trafficMatrix(analysisId: number): Promise<MatrixCell[]>;
  timeline(query: TimelineQuery): Promise<TimelineResult>;
  carve(request: CarveRequest): Promise<CarveResult>;
  exportReport(request: ExportRequest): Promise<ExportResult>;
  importInventory(inputs: { name: string; text: string }[]): Promise<InventoryImportResult>;
  /** Analyse the bundled sample (once) and return its analysis id. */
  openSample(): Promise<number>;
  /** Interfaces a live capture can open. */
  listInterfaces(): Promise<NetworkInterfaceInfo[]>;
  /**
   * Start a live capture: resolves once packets are being read, with the stored analysis that
   * rolling updates keep current (status `running`, analysisChanged after each update) until the
   * capture stops by itself (duration, packet count, end of stream, error) or by stopCapture.
   */
  startCapture(request: CaptureRequest): Promise<CaptureStarted>;
  /** Stop a running capture; resolves once its final state is stored (false when none runs with that id). */
  stopCapture(analysisId: number): Promise<boolean>;
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
}
