/**
 * The road from the container readers (pcap, pcapng) to whatever consumes frames. A reader
 * calls `frame` once per packet record, passing a view into its own buffer: the consumer must
 * copy what it keeps, because the bytes are overwritten by the next read.
 */

export interface CaptureInterface {
  /** Index across the whole capture (all pcapng sections), 0-based. */
  readonly index: number;
  /** pcapng section (0-based) and interface id within it; classic pcap: 0, 0. */
  readonly section: number;
  readonly idInSection: number;
  /** LINKTYPE_* value (low 16 bits of the pcap link-type field). */
  readonly linkType: number;
  /** Snapshot length from the file or IDB header; 0 = none given. */
  readonly snaplen: number;
  /** Decimal digits of timestamp precision (6 for µs, 9 for ns). */
  readonly timeDigits: number;
  readonly name: string | null;
}

export interface RecordSink {
  /** A new interface (pcap: once, from the file header; pcapng: each IDB). */
  interface(info: CaptureInterface): void;
  /**
   * One packet record. `sec`/`nsec` are UTC; `nsec` is -1 for records without a timestamp
   * (pcapng Simple Packet Blocks). `recordOffset` is the stream offset of the record header.
   */
  frame(
    buf: Uint8Array,
    off: number,
    capLen: number,
    origLen: number,
    sec: number,
    nsec: number,
    iface: CaptureInterface,
    recordOffset: number,
  ): void;
  /**
   * A record Wireshark numbers as a frame although it holds no packet (pcapng Custom Blocks):
   * counted so frame numbers match Wireshark's, never decoded.
   */
  opaque(length: number, recordOffset: number): void;
  /** Something about the file the user should know; reading goes on. */
  warning(message: string): void;
  /** Interface statistics (pcapng ISB): packets the interface or OS dropped. */
  drops(iface: CaptureInterface, ifDrop: number | null, osDrop: number | null): void;
}

/** A container reader fed with consecutive slices of the capture stream. */
export interface RecordParser {
  readonly format: 'pcap' | 'pcapng';
  /**
   * Parse whole records in buf[start, end). `bufBase` is the stream offset of buf[0].
   * Returns the index of the first byte not consumed. A return value beyond `end` means the
   * reader is skipping a block it does not need: the caller discards that many more bytes.
   * When it returns before `end`, `needed` tells how many bytes the next record takes.
   */
  parse(buf: Uint8Array, start: number, end: number, bufBase: number): number;
  readonly needed: number;
  /** End of stream with `leftover` unconsumed bytes starting at stream offset `at`. */
  finish(leftover: number, at: number): void;
}

/** Records larger than this are rejected as corrupt, as tshark does (WTAP_MAX_PACKET_SIZE_STANDARD). */
export const MAX_RECORD_BYTES = 262144;
