import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import type { LayerTrace } from '../../core/decode/packet.js';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';

/** What the decoder reported for one frame: tshark-named fields in header order, and layers. */
export interface TracedFrame {
  number: number;
  len: number;
  capLen: number;
  /** Seconds.nanoseconds as tshark prints frame.time_epoch, or '' without a timestamp. */
  time: string;
  layers: string[];
  fields: Map<string, string[]>;
  /** Bytes vmkscope charges to the frame's flow. */
  wireLen: number;
  /** Index of the vmkscope flow the frame was charged to, -1 if none. */
  flow: number;
}

class Collector implements LayerTrace {
  current: TracedFrame | null = null;
  layer(name: string): void {
    this.current!.layers.push(name);
  }
  field(name: string, value: string): void {
    const f = this.current!.fields;
    const list = f.get(name);
    if (list) list.push(value);
    else f.set(name, [value]);
  }
}

/**
 * Runs the real CaptureAnalysis with a layer trace attached and records, per frame, every field
 * the decoders named, so a test can compare them with tshark's.
 */
export class TracingSink implements RecordSink {
  readonly frames: TracedFrame[] = [];
  readonly analysis: CaptureAnalysis;
  private readonly collector: Collector;

  constructor() {
    this.collector = new Collector();
    this.analysis = new CaptureAnalysis({ trace: this.collector });
  }

  interface(info: CaptureInterface): void {
    this.analysis.interface(info);
  }
  warning(message: string): void {
    this.analysis.warning(message);
  }
  drops(iface: CaptureInterface, ifDrop: number | null, osDrop: number | null): void {
    this.analysis.drops(iface, ifDrop, osDrop);
  }
  opaque(length: number, recordOffset: number): void {
    this.frames.push({ number: this.frames.length + 1, len: length, capLen: length, time: '', layers: [], fields: new Map(), wireLen: 0, flow: -1 });
    this.analysis.opaque(length, recordOffset);
  }

  frame(buf: Uint8Array, off: number, capLen: number, origLen: number, sec: number, nsec: number, iface: CaptureInterface, recordOffset: number): void {
    const frame: TracedFrame = {
      number: this.frames.length + 1,
      len: origLen,
      capLen,
      time: nsec < 0 ? '' : `${sec}.${String(nsec).padStart(9, '0')}`,
      layers: [],
      fields: new Map(),
      wireLen: 0,
      flow: -1,
    };
    this.frames.push(frame);
    this.collector.current = frame;
    this.analysis.frame(buf, off, capLen, origLen, sec, nsec, iface, recordOffset);
    frame.wireLen = this.analysis.packet.wireLen;
    frame.flow = this.analysis.lastFlowIndex;
    this.collector.current = null;
  }
}
