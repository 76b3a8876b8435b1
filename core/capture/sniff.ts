import { PcapParser, classifyPcapMagic } from './pcap.js';
import { PCAPNG_SHB, PcapngParser } from './pcapng.js';
import type { RecordParser, RecordSink } from './record-sink.js';

export type SniffResult =
  | { kind: 'pcap' | 'pcapng' | 'gzip' }
  | { kind: 'unknown'; reason: string };

/** What the first bytes of a stream are: the format is found from the bytes, never the name. */
export function sniffContainer(head: Uint8Array): SniffResult {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'gzip' };
  if (head.length < 4) {
    return { kind: 'unknown', reason: `only ${head.length} bytes: too short for any capture header` };
  }
  const le = (head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24)) >>> 0;
  if (le === PCAPNG_SHB) return { kind: 'pcapng' };
  if (classifyPcapMagic(le) !== null) return { kind: 'pcap' };
  const hex = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(head.subarray(0, 4), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return {
    kind: 'unknown',
    reason: `not a capture file: the first bytes (${hex}, "${text}") match no pcap, pcapng or gzip magic number`,
  };
}

export function createParser(format: 'pcap' | 'pcapng', sink: RecordSink): RecordParser {
  return format === 'pcap' ? new PcapParser(sink) : new PcapngParser(sink);
}
