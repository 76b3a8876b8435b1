import { LINKTYPE_NAMES } from '../decode/dispatch.js';
import type { CaptureAnalysis } from '../flow/capture-analysis.js';
import { flowRecord } from './flow-records.js';
import type { CaptureRecord, FlowRecord } from '../contract/report.js';
import { isoTime } from './time.js';

/** One capture after its pass: what the reader learnt plus the file facts the source knows. */
export interface AnalyzedCapture {
  file: string;
  format: 'pcap' | 'pcapng';
  compression: 'none' | 'gzip';
  size: number;
  sha256: string | null;
  analysis: CaptureAnalysis;
}

export function captureRecord(c: AnalyzedCapture): CaptureRecord {
  const a = c.analysis;
  const digits = a.timeDigits;
  return {
    file: c.file,
    format: c.format,
    compression: c.compression,
    linkTypes: [...new Set(a.interfaces.map((i) => i.linkType))],
    packets: a.frames,
    bytes: a.bytes,
    start: a.firstSec < 0 ? null : isoTime(a.firstSec, a.firstNsec, digits),
    end: a.lastSec < 0 ? null : isoTime(a.lastSec, a.lastNsec, digits),
    sha256: c.sha256,
    warnings: a.allWarnings(),
    size: c.size,
    capturedBytes: a.capturedBytes,
    interfaces: a.interfaces.map((i) => ({
      index: i.index,
      section: i.section,
      idInSection: i.idInSection,
      linkType: i.linkType,
      linkTypeName: LINKTYPE_NAMES.get(i.linkType) ?? null,
      snaplen: i.snaplen,
      name: i.name,
      timePrecision: i.timeDigits,
    })),
    drops: a.interfaceDrops.map((d) => ({ interface: d.iface.index, ifDrop: d.ifDrop, osDrop: d.osDrop })),
    slicedFrames: a.slicedFrames,
    firstSlicedFrame: a.slicedFrames > 0 ? a.firstSlicedFrame : null,
    smallestCapturedLength: a.slicedFrames > 0 ? a.smallestCapLen : null,
    undecodedFrames: a.undecodedFrames,
    nonFlowFrames: a.nonFlowFrames,
    unattributedFragments: a.unattributedFragments,
    outOfOrderFrames: a.outOfOrderFrames,
    untimedFrames: a.untimedFrames,
    customBlocks: a.customBlocks,
    arp: [...a.arpSenders.values()].map((s) => ({ ...s, macs: s.macs.slice() })),
    rarp: a.rarp.map((r) => ({ mac: r.mac, frame: r.frame, time: isoTime(r.sec, r.nsec, digits) })),
  };
}

/** Flow records of every capture, ids f1, f2, ... in capture order, then order of first packet. */
export function* flowRecords(captures: AnalyzedCapture[]): Generator<FlowRecord> {
  let n = 0;
  for (const [index, c] of captures.entries()) {
    const digits = c.analysis.timeDigits;
    for (const flow of c.analysis.flows()) yield flowRecord(flow, `f${++n}`, index, digits);
  }
}
