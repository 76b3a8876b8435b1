// pcap-parser 0.2.1 ships no types: the part the oracle test uses.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  export interface PacketHeader {
    timestampSeconds: number;
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }
  export function parse(input: string | NodeJS.ReadableStream): EventEmitter;
}
