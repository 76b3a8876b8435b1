/**
 * Live capture from a local interface through libpcap (a port-mirror destination NIC, an ERSPAN
 * collector), by the optional `pcap` package (node_pcap). Its binding is used directly, not its
 * PcapSession wrapper: that one makes a packet object and emits an event per packet, and the
 * whole point here is a hot path with no allocation.
 *
 * How a packet travels: libpcap's callback inside the binding copies the frame into one buffer we
 * own (page-aligned, the snap length long) and its pcap_pkthdr into a 16-byte header buffer, then
 * calls us synchronously, still inside pcap_dispatch. We decode it right there: CaptureAnalysis
 * reads the frame in place and keeps numbers, never the buffer, so nothing asynchronous ever
 * sees bytes the next packet overwrites; with --save the frame is also copied into the recorder's
 * batch in the same memory. Copying every frame into a batch first and analysing later would
 * cost a second copy for nothing.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import type { NetworkInterfaceInfo } from '../../core/contract/engine-api.js';
import { CaptureSourceError } from '../../core/contract/errors.js';
import { parseIp } from '../../core/net/ip.js';
import { pageAlignedBuffer } from './capture-reader.js';
import { PcapngRecorder, SLOT_BYTES, SLOTS } from './pcapng-recorder.js';

/** node_pcap's native session (pcap_session.cc), the parts used here. */
interface PcapSession {
  open_live(
    device: string,
    filter: string,
    bufferBytes: number,
    snaplen: number,
    dumpFile: string,
    onPacket: () => void,
    monitor: boolean,
    timeoutMs: number,
    onWarning: (message: string) => void,
    promiscuous: boolean,
  ): string;
  /** pcap_dispatch until the ring is empty: >= 0 packets, -2 after close (the handle is then freed), other < 0 an error. */
  dispatch(frame: Buffer, header: Buffer): number;
  start_polling(): void;
  stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
  /** pcap_breakloop: the next dispatch that finds a packet returns -2 and frees the handle. */
  close(): void;
  read_callback?: () => void;
}

interface PcapBinding {
  PcapSession: new () => PcapSession;
  findalldevs(): { name: string; description?: string; addresses: ({ addr?: string; netmask?: string } | undefined)[]; flags?: string }[];
}

export const PCAP_MISSING =
  'live capture from an interface needs the optional package "pcap" (libpcap bindings), which is not installed or did not build: ' +
  'install libpcap\'s headers and a C++ compiler (Debian/Ubuntu: apt-get install libpcap-dev g++ make; Fedora: dnf install libpcap-devel gcc-c++ make), then run npm install again';

let loaded: PcapBinding | null = null;

/** The binding, loaded on first use so everything else works without libpcap. */
function pcapBinding(): PcapBinding {
  if (loaded !== null) return loaded;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(require.resolve('pcap/package.json'));
  } catch {
    throw new CaptureSourceError(PCAP_MISSING);
  }
  try {
    loaded = require(path.join(dir, 'build', 'Release', 'pcap_binding.node')) as PcapBinding;
  } catch (err) {
    throw new CaptureSourceError(`${PCAP_MISSING} (${(err as Error).message.split('\n')[0]})`);
  }
  return loaded;
}

const IFF_UP = 0x1;

/** Read a file of the interface in Linux's sysfs, or null (another OS, a pseudo-device such as `any`). */
function sysfs(name: string, file: string): string | null {
  if (!/^[\w.:@-]+$/.test(name)) return null;
  try {
    return fs.readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Whether the link runs (RFC 2863 operstate); null where the driver does not say ("unknown": loopback, tunnels). */
function operational(name: string): boolean | null {
  const state = sysfs(name, 'operstate');
  return state === null || state === 'unknown' ? null : state === 'up';
}

function prefixLength(netmask: string): number | null {
  const mask = parseIp(netmask);
  if (mask === null) return null;
  let bits = 0;
  for (const w of mask.words) for (let b = 31; b >= 0 && (w >>> b) & 1; b--) bits++;
  return bits;
}

/** libpcap's interfaces (what tcpdump -D lists) with their addresses and the OS's up/running state. */
export function listNetworkInterfaces(): NetworkInterfaceInfo[] {
  let devices: ReturnType<PcapBinding['findalldevs']>;
  try {
    devices = pcapBinding().findalldevs();
  } catch (err) {
    if (err instanceof CaptureSourceError) throw err;
    throw new CaptureSourceError(`libpcap cannot list interfaces: ${(err as Error).message}`);
  }
  return devices.map((d) => {
    const flags = sysfs(d.name, 'flags');
    return {
      name: d.name,
      description: d.description ?? null,
      addresses: d.addresses.flatMap((a) => {
        if (a?.addr === undefined) return [];
        const bits = a.netmask === undefined ? null : prefixLength(a.netmask);
        return [bits === null ? a.addr : `${a.addr}/${bits}`];
      }),
      up: flags === null ? null : (parseInt(flags, 16) & IFF_UP) !== 0,
      running: operational(d.name),
      loopback: d.flags === 'PCAP_IF_LOOPBACK',
    };
  });
}

/**
 * The kernel's capture ring (TPACKET_V3 on Linux). Large enough to ride out a rolling update of
 * the store (tens of milliseconds) at 10 Gbit/s of headers-only capture.
 */
const RING_BYTES = 64 * 1024 * 1024;
/**
 * libpcap's timeout: the kernel hands over a partly filled ring block after this long, so packets
 * reach the analysis within it. Not immediate mode: that switches libpcap to a TPACKET_V2 ring of
 * snaplen-sized slots, which a burst of jumbo frames overflows (test/lab/capture.ts found the same
 * with tcpdump).
 */
const BLOCK_TIMEOUT_MS = 100;
/** Whole frames unless told otherwise: tcpdump's default snap length. */
export const DEFAULT_SNAPLEN = 262144;
/** pcap_dispatch's return when pcap_breakloop ended it. */
const PCAP_ERROR_BREAK = -2;

/** LINKTYPE_* values of the names node_pcap gives; other link types come as "Unknown linktype <DLT>". */
const LINK_TYPES: Record<string, number> = { LINKTYPE_NULL: 0, LINKTYPE_ETHERNET: 1, LINKTYPE_RAW: 101, LINKTYPE_LINUX_SLL: 113, LINKTYPE_IEEE802_11_RADIO: 127 };

function linkTypeOf(name: string): number {
  const known = LINK_TYPES[name];
  if (known !== undefined) return known;
  // For DLT values other than the ones above, LINKTYPE_* equals DLT_* (pcap-linktype(7)).
  const m = /(\d+)$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

export interface InterfaceCaptureOptions {
  name: string;
  /** BPF filter, empty for none. */
  filter: string;
  snaplen: number;
  promiscuous: boolean;
  /** Stop after this many packets. */
  packets: number | null;
  /** --save: the pcapng file to write. */
  save: string | null;
}

/** libpcap's counters (pcap_stats). */
export interface InterfaceStats {
  /** Packets that passed the filter (Linux: including those dropped afterwards). */
  received: number;
  /** Dropped because the capture ring was full (the OS's drops, pcapng isb_osdrop). */
  dropped: number;
  /** Dropped by the interface or its driver (pcapng isb_ifdrop). */
  ifDropped: number;
}

export interface InterfaceCaptureEvents {
  /** The packet count was reached; the capture is already closed (finishSave ends the file). */
  limit(): void;
  /** The interface went away or a write failed; the capture is already closed, what it had is kept. */
  failed(error: CaptureSourceError): void;
}

/**
 * One live capture on one interface, feeding `sink` (the analysis) from libpcap's callback and
 * keeping its frames' pcapng offsets (and the frames themselves with --save).
 */
export class InterfaceCapture {
  readonly iface: CaptureInterface;
  packets = 0;
  private readonly session: PcapSession;
  private readonly frame: Buffer;
  private readonly header: Uint32Array;
  private readonly headerBuffer: Buffer;
  private readonly recorder: PcapngRecorder;
  private closed = false;
  private finalStats: InterfaceStats | null = null;
  private sha256: string | null = null;

  /** Opens the interface; throws CaptureSourceError with what to do when it cannot. */
  constructor(
    private readonly options: InterfaceCaptureOptions,
    private readonly sink: RecordSink,
    private readonly events: InterfaceCaptureEvents,
  ) {
    const binding = pcapBinding();
    const frameBytes = Math.ceil(options.snaplen / 4096) * 4096;
    const mem = pageAlignedBuffer(frameBytes + (options.save === null ? 0 : SLOTS * SLOT_BYTES), false);
    this.frame = Buffer.from(mem.buffer, mem.byteOffset, frameBytes);
    this.headerBuffer = Buffer.alloc(16);
    // struct pcap_pkthdr as the binding copies it: tv_sec, tv_usec, caplen, len, native order.
    this.header = new Uint32Array(this.headerBuffer.buffer, this.headerBuffer.byteOffset, 4);
    this.session = new binding.PcapSession();
    let linkName: string;
    try {
      linkName = this.session.open_live(options.name, options.filter, RING_BYTES, options.snaplen, '', this.onPacket, false, BLOCK_TIMEOUT_MS, () => undefined, options.promiscuous);
    } catch (err) {
      throw new CaptureSourceError(openFailure(options, (err as Error).message));
    }
    const linkType = linkTypeOf(linkName);
    this.iface = { index: 0, section: 0, idInSection: 0, linkType, snaplen: options.snaplen, timeDigits: 6, name: options.name };
    let fd: number | null = null;
    if (options.save !== null) {
      try {
        // O_NONBLOCK: a pipe nobody reads would otherwise block the open forever; no effect on files.
        const { O_WRONLY, O_CREAT, O_TRUNC, O_NONBLOCK } = fs.constants;
        fd = fs.openSync(options.save, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0o666);
      } catch (err) {
        this.close();
        throw new CaptureSourceError(`cannot write ${options.save}: ${(err as Error).message}`);
      }
      // Batches are written at their positions, several at once: a pipe cannot take that.
      const stat = fs.fstatSync(fd);
      if (stat.isFIFO() || stat.isSocket()) {
        fs.closeSync(fd);
        this.close();
        throw new CaptureSourceError(`--save ${options.save}: a file is needed, not a pipe (to stream packets on, use --command with tcpdump or dumpcap)`);
      }
    }
    this.recorder = new PcapngRecorder(mem, frameBytes, fd, options.save, { linkType, snaplen: options.snaplen, name: options.name });
    sink.interface(this.iface);
  }

  /** Start delivering packets (from the event loop's poll of libpcap's descriptor). */
  start(): void {
    this.session.read_callback = () => {
      const n = this.session.dispatch(this.frame, this.headerBuffer);
      if (n < 0 && n !== PCAP_ERROR_BREAK && !this.closed) this.lost();
    };
    this.session.start_polling();
  }

  /** The offset the next record would have: the size of the pcapng stream so far. */
  get bytes(): number {
    return this.recorder.offset;
  }

  stats(): InterfaceStats {
    if (this.finalStats !== null) return this.finalStats;
    const s = this.session.stats();
    return { received: s.ps_recv, dropped: s.ps_drop, ifDropped: s.ps_ifdrop };
  }

  /** SHA-256 of the saved file, once finished. */
  get savedSha256(): string | null {
    return this.sha256;
  }

  /**
   * Stop: wait for the kernel to retire the ring block being filled (libpcap's timeout), take what
   * it holds, read the final counters and close. finishSave then ends the saved file.
   */
  async stop(): Promise<void> {
    if (this.closed) return;
    await sleep(BLOCK_TIMEOUT_MS + 50);
    if (this.closed) return;
    const n = this.session.dispatch(this.frame, this.headerBuffer);
    if (n < 0 && n !== PCAP_ERROR_BREAK && !this.closed) return this.lost();
    this.close();
  }

  /**
   * Once closed, however it ended: the final drop counts to the analysis, and the saved file
   * finished (its statistics block, the last writes, its SHA-256). Throws when a write failed.
   */
  async finishSave(): Promise<void> {
    const s = this.finalStats!;
    this.sink.drops(this.iface, s.ifDropped, s.dropped);
    try {
      this.sha256 = await this.recorder.finish({ ifRecv: s.received, ifDrop: s.ifDropped, osDrop: s.dropped }, Date.now());
    } finally {
      if (this.recorder.shortfall !== null) this.sink.warning(this.recorder.shortfall);
    }
  }

  private readonly onPacket = (): void => {
    if (this.closed) return;
    // Never throw into the binding: an exception inside pcap_dispatch's callback is fatal to the process.
    try {
      const h = this.header;
      const capLen = h[2];
      const offset = this.recorder.record(capLen, h[3], h[0], h[1], this.packets + 1);
      this.sink.frame(this.frame, 0, capLen, h[3], h[0], h[1] * 1000, this.iface, offset);
      if (++this.packets === this.options.packets) {
        this.close(true);
        this.events.limit();
      }
    } catch (err) {
      this.close(true);
      this.events.failed(err instanceof CaptureSourceError ? err : new CaptureSourceError(`capture on ${this.options.name} failed: ${(err as Error).message}`));
    }
  };

  /** pcap_dispatch failed: the interface went down or disappeared (libpcap does not say which through the binding). */
  private lost(): void {
    this.close();
    const gone = process.platform === 'linux' && sysfs(this.options.name, 'flags') === null;
    const what = gone ? 'disappeared' : 'went down';
    this.events.failed(new CaptureSourceError(`interface ${this.options.name} ${what} after ${this.packets} packets; what was captured until then is kept`));
  }

  /**
   * pcap_breakloop, after reading the final counters. Inside libpcap's callback that is all: the
   * dispatch running returns -2 and node_pcap frees the handle. Outside, one more dispatch frees
   * it now if a packet is waiting; otherwise node_pcap frees it at the next packet to arrive.
   */
  private close(inCallback = false): void {
    if (this.closed) return;
    try {
      this.finalStats = this.stats();
    } catch {
      this.finalStats = { received: this.packets, dropped: 0, ifDropped: 0 };
    }
    this.closed = true;
    this.session.close();
    if (!inCallback) this.session.dispatch(this.frame, this.headerBuffer);
  }
}

/** Why libpcap would not open the interface, and what to do about it. */
function openFailure(o: InterfaceCaptureOptions, message: string): string {
  if (/Operation not permitted|permission/i.test(message)) {
    return (
      `capturing on ${o.name} needs the CAP_NET_RAW capability, which this process lacks (libpcap: ${message}). ` +
      `Give it to the capture helper, the Node binary running vmkscope, once: sudo ${setcapCommand()} ` +
      '(do not run vmkscope as root; --ssh or --command capture need no privilege here)'
    );
  }
  if (/No such device/i.test(message)) return `there is no interface ${o.name} here (libpcap: ${message}); vmkscope capture --list-interfaces shows them`;
  if (/not up/i.test(message)) return `interface ${o.name} is down (libpcap: ${message}); bring it up first (ip link set dev ${o.name} up)`;
  if (o.filter !== '') return `cannot capture on ${o.name} with the filter ${JSON.stringify(o.filter)}: ${message}`;
  return `cannot capture on ${o.name}: ${message}`;
}

/** The exact command that lets this Node binary capture (file capabilities follow the real file, not a symlink). */
export function setcapCommand(): string {
  let node = process.execPath;
  try {
    node = fs.realpathSync(node);
  } catch {
    // keep the path as Node reports it
  }
  return `setcap cap_net_raw=ep ${node}`;
}
