/**
 * A live capture: packets from an interface, from pktcap-uw over ssh, from a command or from
 * standard input go through the same analysis as a file, and the stored analysis is replaced by
 * a fresh snapshot every few seconds (status `running`) until the capture stops, when its final
 * state is stored as `complete`. docs/live-capture.md has the design.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import type { AnalysisStatus, AnalyzeProgress, CaptureRequest } from '../../core/contract/engine-api.js';
import { CaptureInputError, CaptureSourceError, UsageError } from '../../core/contract/errors.js';
import type { Inventory } from '../../core/contract/inventory.js';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { captureRecord, flowRecords, type AnalyzedCapture } from '../../core/report/build.js';
import type { Policy } from '../../core/verify/policy.js';
import { verifyStream, type VerifiedAnalysis } from '../../core/verify/verify.js';
import { StreamSource } from '../sources/byte-source.js';
import { CaptureCommand } from '../sources/capture-command.js';
import { readCaptureFrom, type CaptureFileFacts } from '../sources/capture-reader.js';
import { FileFlowSpill } from '../sources/flow-spill.js';
import { DEFAULT_SNAPLEN, InterfaceCapture, type InterfaceStats } from '../sources/live-interface.js';
import { LiveStreamSource } from '../sources/live-stream.js';
import { explainSshFailure, shellLine, sshArgv } from '../sources/pktcap.js';
import type { AnalysisStore } from '../store/analysis-store.js';
import { DEFAULT_MAX_LIVE_FLOWS, loadJudgement } from './analyze.js';
import { toolInfo } from './tool-info.js';

/** Seconds between rolling updates of the stored analysis unless the request says otherwise. */
export const DEFAULT_UPDATE_SECONDS = 2;
const PROGRESS_MS = 250;
/** How long a producer that already failed gets to exit by itself before it is stopped. */
const EXIT_GRACE_MS = 500;

export type StopReason = 'duration' | 'packets' | 'requested' | 'end of stream' | 'error';

export interface LiveCaptureHooks {
  progress(p: AnalyzeProgress): void;
  changed(analysisId: number, status: AnalysisStatus): void;
  warning(message: string): void;
}

export interface LiveCaptureResult {
  analysisId: number;
  /**
   * The final state, or null when nothing was captured (the analysis is then marked failed). Its
   * flows can be read again until `close()`.
   */
  report: VerifiedAnalysis | null;
  /** Let go of the flows (the temporary file of those moved out of memory). */
  close(): void;
  stoppedBy: StopReason;
  /** What ended the capture early, after what it had captured was stored. */
  error: Error | null;
  /** libpcap's counters, for an interface. */
  stats: InterfaceStats | null;
}

function positive(value: number | undefined, what: string, integer: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) throw new UsageError(`${what} must be ${integer ? 'a whole number' : 'a number'} above 0, not ${value}`);
}

/** What a request reads, named for errors, the analysis's inputs and the user. */
function describeSource(request: CaptureRequest): { label: string; argv: string[] | null } {
  const s = request.source;
  switch (s.kind) {
    case 'interface':
      if (s.name === '' || /[\0/\s]/.test(s.name)) throw new UsageError(`--interface ${JSON.stringify(s.name)} is not an interface name`);
      return { label: `interface ${s.name}`, argv: null };
    case 'ssh': {
      const argv = sshArgv({ target: s.target, uplink: s.uplink, vmk: s.vmk, direction: s.direction ?? 2, filter: request.filter, snaplen: request.snaplen, packets: request.packets });
      return { label: `ssh ${s.target} ${s.uplink !== undefined ? `--uplink ${s.uplink}` : `--vmk ${s.vmk}`}`, argv };
    }
    case 'command':
    case 'stdin':
      if (request.filter !== undefined || request.snaplen !== undefined) throw new UsageError('--filter and --snaplen apply to --interface and --ssh; give them to the command itself');
      if (s.kind === 'stdin') return { label: '-', argv: null };
      if (s.argv.length === 0 || s.argv[0] === '') throw new UsageError('--command needs the program and its arguments after --');
      return { label: `command ${shellLine(s.argv)}`, argv: s.argv.slice() };
  }
}

/** Counts frames for a stream and ignores those past --packets (the reader may hold more in its chunk). */
class PacketLimit implements RecordSink {
  frames = 0;
  constructor(
    private readonly sink: RecordSink,
    private readonly limit: number,
    private readonly reached: () => void,
  ) {}

  interface(info: CaptureInterface): void {
    this.sink.interface(info);
  }

  frame(buf: Uint8Array, off: number, capLen: number, origLen: number, sec: number, nsec: number, iface: CaptureInterface, recordOffset: number): void {
    if (this.frames >= this.limit) return;
    this.sink.frame(buf, off, capLen, origLen, sec, nsec, iface, recordOffset);
    if (++this.frames === this.limit) this.reached();
  }

  opaque(length: number, recordOffset: number): void {
    if (this.frames < this.limit) this.sink.opaque(length, recordOffset);
  }

  warning(message: string): void {
    this.sink.warning(message);
  }

  drops(iface: CaptureInterface, ifDrop: number | null, osDrop: number | null): void {
    this.sink.drops(iface, ifDrop, osDrop);
  }
}

/** One running live capture; `done` settles once its final state is stored. */
export class LiveCapture {
  readonly analysisId: number;
  readonly label: string;
  /** The argument vector started (ssh, command), null otherwise. */
  readonly argv: string[] | null;
  readonly done: Promise<LiveCaptureResult>;
  /** Flows past DEFAULT_MAX_LIVE_FLOWS at once go to a temporary file, as for a file (analyze.ts). */
  private readonly spill = new FileFlowSpill();
  private readonly analysis = new CaptureAnalysis({ spill: this.spill, maxLiveFlows: DEFAULT_MAX_LIVE_FLOWS });
  private readonly fingerprint = `live:${randomUUID()}`;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopReason: StopReason | null = null;
  private iface: InterfaceCapture | null = null;
  private command: CaptureCommand | null = null;
  private stream: LiveStreamSource | null = null;
  /** Known once the stream's first bytes told pcap from pcapng (an interface: at once). */
  private format: 'pcap' | 'pcapng' | null = null;
  private finalFacts: CaptureFileFacts | null = null;
  private endInterface: (error: Error | null) => void = () => undefined;
  private readonly updateMs: number;
  private updateTimer: NodeJS.Timeout | null = null;

  private readonly db: AnalysisStore;

  private constructor(
    private readonly request: CaptureRequest,
    openStore: () => AnalysisStore,
    private readonly hooks: LiveCaptureHooks,
    private readonly inventory: Inventory | null,
    private readonly policy: Policy,
    source: { label: string; argv: string[] | null },
    private readonly save: string | null,
  ) {
    this.label = source.label;
    this.argv = source.argv;
    const s = request.source;
    if (s.kind === 'interface') {
      const ended = new Promise<Error | null>((resolve) => (this.endInterface = resolve));
      // Opened before the analysis exists: a capture that cannot start leaves nothing behind.
      this.iface = new InterfaceCapture(
        { name: s.name, filter: request.filter ?? '', snaplen: request.snaplen ?? DEFAULT_SNAPLEN, promiscuous: s.promiscuous ?? true, packets: request.packets ?? null, save },
        this.analysis,
        {
          limit: () => {
            this.stopReason ??= 'packets';
            this.endInterface(null);
          },
          failed: (error) => {
            this.stopReason ??= 'error';
            this.endInterface(error);
          },
        },
      );
      this.format = 'pcapng';
      this.db = openStore();
      this.analysisId = this.begin();
      this.iface.start();
      this.done = ended.then((error) => this.finish(error));
    } else {
      let saveFd: number | null = null;
      if (save !== null) {
        try {
          saveFd = fs.openSync(save, 'w');
        } catch (err) {
          throw new CaptureSourceError(`cannot write ${save}: ${(err as Error).message}`);
        }
      }
      this.db = openStore();
      let input: StreamSource;
      if (s.kind === 'stdin') {
        if (process.stdin.isTTY) throw new CaptureInputError('-', -1, 'standard input is a terminal: pipe a capture into it');
        input = new StreamSource(process.stdin);
      } else {
        this.command = new CaptureCommand(this.argv!);
        input = new StreamSource(this.command.stdout);
      }
      this.stream = new LiveStreamSource(input, saveFd, save);
      this.analysisId = this.begin();
      this.done = this.readStream(request.packets ?? null, save !== null);
    }
    if (request.durationSeconds !== undefined) this.timers.push(setTimeout(() => this.stop('duration'), request.durationSeconds * 1000));
    this.updateMs = (request.updateSeconds ?? DEFAULT_UPDATE_SECONDS) * 1000;
    this.updateTimer = setTimeout(() => this.update(), this.updateMs);
    this.timers.push(setInterval(() => this.progress(), PROGRESS_MS));
  }

  /**
   * Check the request, read the inventory and policy (a mistake there stops before anything
   * runs), open the source, then the store, and create the stored analysis.
   */
  static async start(request: CaptureRequest, openStore: () => AnalysisStore, hooks: LiveCaptureHooks): Promise<LiveCapture> {
    positive(request.snaplen, '--snaplen', true);
    if (request.snaplen !== undefined && request.snaplen > DEFAULT_SNAPLEN) throw new UsageError(`--snaplen must be at most ${DEFAULT_SNAPLEN}`);
    positive(request.packets, '--packets', true);
    positive(request.durationSeconds, '--duration', false);
    positive(request.updateSeconds, '--update-every', false);
    const source = describeSource(request);
    const { inventory, policy } = await loadJudgement({ ...request, onWarning: (w) => hooks.warning(`${w.file}${w.line === null ? '' : `:${w.line}`}: ${w.message}`) });
    return new LiveCapture(request, openStore, hooks, inventory, policy, source, request.save ?? null);
  }

  /** Stop (idempotent): an interface drains its ring, a command is asked to stop and read to its end, standard input is cut. */
  stop(reason: StopReason = 'requested'): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    if (this.iface !== null) {
      this.iface.stop().then(
        () => this.endInterface(null),
        (err: Error) => this.endInterface(err),
      );
    } else if (this.command !== null) this.command.terminate();
    else this.stream!.cut();
  }

  private begin(): number {
    const id = this.db.begin([this.label], toolInfo().version);
    this.db.setFingerprint(id, this.fingerprint);
    this.hooks.changed(id, 'running');
    return id;
  }

  private get bytes(): number {
    return this.iface !== null ? this.iface.bytes : this.stream!.bytes;
  }

  private progress(): void {
    this.hooks.progress({ analysisId: this.analysisId, capture: 0, captures: 1, file: this.label, bytesRead: this.bytes, totalBytes: null, frames: this.analysis.frames });
  }

  /** The verified state of what was captured so far; building it leaves the counting undisturbed. */
  private snapshot(): VerifiedAnalysis {
    const iface = this.iface;
    if (iface !== null) {
      const s = iface.stats();
      this.analysis.drops(iface.iface, s.ifDropped, s.dropped);
    }
    const facts = this.finalFacts;
    const captured: AnalyzedCapture[] = [
      {
        file: this.save ?? this.label,
        format: this.format!,
        compression: facts?.compression ?? 'none',
        size: facts?.size ?? this.bytes,
        sha256: facts?.sha256 ?? iface?.savedSha256 ?? null,
        analysis: this.analysis,
      },
    ];
    return verifyStream(toolInfo(), captured.map(captureRecord), () => flowRecords(captured), this.inventory, this.policy);
  }

  /** Replace the stored analysis with `state`, its flows streamed into one transaction. */
  private store(state: VerifiedAnalysis, final: boolean): void {
    this.db.replaceSnapshot(this.analysisId, state.head, state.flows(), this.fingerprint, this.policy, final);
  }

  /**
   * A rolling update: the stored analysis replaced by a snapshot, still `running`. Packets wait in
   * the kernel's ring (or the pipe) while it runs, so with many flows, when an update takes long,
   * the next one waits at least four times as long as this one took: updates never take more than
   * a fifth of the time.
   */
  private update(): void {
    const started = performance.now();
    if (this.format !== null) {
      try {
        this.store(this.snapshot(), false);
        this.hooks.changed(this.analysisId, 'running');
      } catch (err) {
        // A reader holding the database (a long export) or a full disk: the next update tries again.
        this.hooks.warning(`rolling update of analysis ${this.analysisId} failed: ${(err as Error).message}`);
      }
    }
    if (this.updateTimer !== null) this.updateTimer = setTimeout(() => this.update(), Math.max(this.updateMs, 4 * (performance.now() - started)));
  }

  private async readStream(packets: number | null, hash: boolean): Promise<LiveCaptureResult> {
    const stream = this.stream!;
    let facts: CaptureFileFacts | null = null;
    let readError: Error | null = null;
    try {
      facts = await readCaptureFrom(
        stream,
        this.label,
        (format) => {
          this.format = format;
          return packets === null ? this.analysis : new PacketLimit(this.analysis, packets, () => this.stop('packets'));
        },
        { hash, stopped: () => this.stopReason !== null },
      );
    } catch (err) {
      readError = err as Error;
    }
    this.finalFacts = facts;
    const stopped = this.stopReason !== null;
    this.stopReason ??= readError === null ? 'end of stream' : 'error';
    return this.finish(await this.streamError(readError, stopped));
  }

  /**
   * Why a stream ended badly. The producer's own failure (ssh refused, host unreachable, remote
   * command missing) explains more than what the reader saw of its output (nothing, or not a
   * capture), so it comes first; a producer vmkscope stopped has not failed.
   */
  private async streamError(readError: Error | null, stopped: boolean): Promise<Error | null> {
    const command = this.command;
    const nothing = readError !== null && stopped && this.stream!.bytes === 0 ? new CaptureSourceError(`${this.label}: stopped before any data arrived`) : null;
    if (command === null) return nothing ?? readError;
    if (readError !== null && !command.stopping) {
      // The output was unusable: let a producer that is failing finish saying why, then stop it.
      const early = await Promise.race([command.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), EXIT_GRACE_MS))]);
      if (early === null) command.terminate();
    }
    const exit = await command.exited;
    const argv = command.argv;
    if (exit.spawnError !== null) {
      if (exit.spawnError.code === 'ENOENT') {
        return new CaptureSourceError(argv[0] === 'ssh' ? 'ssh is not installed here (no ssh on PATH): install the OpenSSH client (Debian/Ubuntu: apt-get install openssh-client)' : `${argv[0]}: command not found`);
      }
      return new CaptureSourceError(`cannot start ${argv[0]}: ${exit.spawnError.message}`);
    }
    const failed = !command.stopping && (exit.signal !== null || exit.code !== 0);
    if (failed) {
      const source = this.request.source;
      if (source.kind === 'ssh') return new CaptureSourceError(explainSshFailure(source.target, exit.code, exit.signal, command.stderr()));
      const last = command.stderr().at(-1);
      return new CaptureSourceError(`${argv[0]} ${exit.signal !== null ? `was stopped by ${exit.signal}` : `exited with status ${exit.code}`}${last === undefined ? '' : ` (${last})`}`);
    }
    return nothing ?? readError;
  }

  /** Store the final state (or mark the analysis failed when nothing was captured). */
  private async finish(error: Error | null): Promise<LiveCaptureResult> {
    for (const t of this.timers) clearTimeout(t);
    if (this.updateTimer !== null) clearTimeout(this.updateTimer);
    this.updateTimer = null;
    if (this.iface !== null) {
      try {
        await this.iface.finishSave();
      } catch (err) {
        error ??= err as Error;
      }
    }
    const stats = this.iface?.stats() ?? null;
    const stoppedBy = this.stopReason ?? 'end of stream';
    if (this.format === null) {
      const failure = error ?? new CaptureSourceError(`${this.label}: nothing was captured`);
      this.spill.close();
      this.db.fail(this.analysisId, failure.message);
      this.hooks.changed(this.analysisId, 'failed');
      return { analysisId: this.analysisId, report: null, close: () => undefined, stoppedBy, error: failure, stats };
    }
    // The report says why the capture ended early, for whoever opens it later.
    if (error !== null) this.analysis.warning(`the capture ended early: ${error.message}`);
    const report = this.snapshot();
    try {
      this.store(report, true);
    } catch (err) {
      this.spill.close();
      throw err;
    }
    this.hooks.changed(this.analysisId, 'complete');
    return { analysisId: this.analysisId, report, close: () => this.spill.close(), stoppedBy, error, stats };
  }
}
